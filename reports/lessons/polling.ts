/**
 * The lesson on short polling: how it works on the wire, in two paragraphs and a
 * sequence diagram. Fixed text about the protocol; every number comes from the results.
 */
import { html } from '../../core/html.ts';
import { formatInteger } from '../format.ts';
import { type Lesson, type LessonContent, type TeachingFigures, approx, code } from './types.ts';

function content(f: TeachingFigures | null): LessonContent {
  const req = approx(f?.requestHeadBytes, 'request line + all headers');
  const res = approx(f?.responseHeadBytes, 'status line + headers');
  const interval = f === null ? 'interval' : `interval, ${formatInteger(f.intervalMs)} ms`;
  return {
    title: 'HTTP short polling',
    paragraphs: [
      html`<p>The client sends ${code('GET /poll?since=SEQ')} every interval, whether or not anything happened. The server answers at once with a JSON array of the messages newer than ${code('SEQ')}, very often ${code('[]')}.</p>`,
      html`<p>Every poll is a complete HTTP exchange: request line and every request header (cookies included with a browser header profile), then status line, response headers and body. An empty poll costs almost as much as a useful one. A message waits on the server until the next poll, so latency averages half the interval and reaches a whole interval; a shorter interval buys latency with more empty polls.</p>`,
    ],
    steps: [
      { kind: 'arrow', from: 'client', label: 'GET /poll?since=41', cost: `request head ${req}`, style: 'request' },
      { kind: 'arrow', from: 'server', label: '200 OK, body []', cost: `response head ${res}, no news`, style: 'empty' },
      { kind: 'gap', label: `… ${interval} …` },
      { kind: 'event', label: 'message 42 published' },
      { kind: 'gap', label: 'message 42 waits for the next poll' },
      { kind: 'arrow', from: 'client', label: 'GET /poll?since=41', cost: `request head ${req} again`, style: 'request' },
      { kind: 'arrow', from: 'server', label: '200 OK, body [{"seq":42,…}]', cost: `response head ${res} + message`, style: 'response' },
      { kind: 'gap', label: `… ${interval} …` },
      { kind: 'arrow', from: 'client', label: 'GET /poll?since=42', cost: 'news or not, the full request again', style: 'request' },
    ],
  };
}

export default { id: 'polling', content } satisfies Lesson;
