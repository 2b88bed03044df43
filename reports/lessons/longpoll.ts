/**
 * The lesson on long polling (comet): how it works on the wire, in two paragraphs and a
 * sequence diagram. Fixed text about the protocol; every number comes from the results.
 */
import { html } from '../../core/html.ts';
import { formatInteger } from '../format.ts';
import { type Lesson, type LessonContent, type TeachingFigures, approx, code } from './types.ts';

function content(f: TeachingFigures | null): LessonContent {
  const req = approx(f?.requestHeadBytes, 'request line + all headers');
  const res = approx(f?.responseHeadBytes, 'status line + headers');
  const hold = f === null ? 'the hold timeout' : `${formatInteger(f.holdMs / 1000)} s`;
  return {
    title: 'HTTP long polling (Comet)',
    paragraphs: [
      html`<p>The client sends ${code('GET /longpoll?since=SEQ')}. If nothing is newer than ${code('SEQ')}, the server does not answer: it holds the request open until a message arrives, or answers ${code('[]')} when the hold timeout passes.</p>`,
      html`<p>The message travels in a complete HTTP response, and the client sends the next request at once. So every delivered message still costs one request head and one response head, but no request is wasted while nothing happens. Messages published while the client is between a response and its next request wait for that request and then arrive together in one array.</p>`,
    ],
    steps: [
      { kind: 'arrow', from: 'client', label: 'GET /longpoll?since=41', cost: `request head ${req}`, style: 'request' },
      { kind: 'hold-start', label: `held, up to ${hold}` },
      { kind: 'event', label: 'message 42 published' },
      { kind: 'arrow', from: 'server', label: '200 OK, body [{"seq":42,…}]', cost: `response head ${res} + message`, style: 'response' },
      { kind: 'hold-end' },
      { kind: 'arrow', from: 'client', label: 'GET /longpoll?since=42, at once', cost: `request head ${req} again`, style: 'request' },
      { kind: 'hold-start', label: 'held again' },
      { kind: 'event', label: 'message 43 published' },
      { kind: 'arrow', from: 'server', label: '200 OK, body [{"seq":43,…}]', cost: `response head ${res} + message`, style: 'response' },
      { kind: 'hold-end' },
    ],
  };
}

export default { id: 'longpoll', content } satisfies Lesson;
