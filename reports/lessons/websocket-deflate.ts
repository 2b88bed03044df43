/**
 * The lesson on WebSocket with permessage-deflate: what the extension negotiates, why every
 * socket compresses every message again, and what that buys and costs. Fixed text about the
 * protocol; every number comes from the results.
 */
import { html } from '../../core/html.ts';
import { TECHNIQUE_META } from '../../core/techniques.ts';
import { formatBytes } from '../format.ts';
import { type Lesson, type LessonContent, type TeachingFigures, approx, code } from './types.ts';

const META = TECHNIQUE_META['websocket-deflate'];

function content(f: TeachingFigures | null): LessonContent {
  const req = approx(f?.requestHeadBytes, 'request line + headers');
  const res = approx(f?.responseHeadBytes, 'status line + headers');
  const json = f === null ? 'the message JSON' : `${formatBytes(f.messageBytes)} of JSON`;
  const frame = f?.measured ? `≈ ${formatBytes(f.measured.perMessage.downBytes)} per message (measured)` : 'header + deflated message';
  return {
    title: 'WebSocket with permessage-deflate',
    paragraphs: [
      html`<p>The same WebSocket upgrade, ${code(`GET ${META.path}`)}, but the client offers compression as current browsers do, ${code('Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits')}, and the server accepts with ${code('permessage-deflate')} (RFC 7692). From then on each data frame with the RSV1 bit set carries its message deflated, and the receiver inflates it. Both ends keep their compression context between messages (context takeover), so a message can point back at words the last 32 KiB of that socket already carried: a feed of similar updates shrinks well below its JSON.</p>`,
      html`<p>That breaks one of the fairness rules the other techniques keep: <strong>encode once, write to every socket</strong>. A message's compressed bytes depend on everything its socket carried before, so the server deflates the same JSON once per socket, in zlib's thread pool, and keeps a deflate context of up to 256 KiB per connection (plus an inflate context for what the client sends). This report counts the uncompressed JSON as payload for every technique, so here the overhead is what the frame costs beyond it, negative when compression saves more than the 2-byte header: bytes are traded for server CPU and memory per connection, which the tables show.</p>`,
    ],
    steps: [
      {
        kind: 'arrow',
        from: 'client',
        label: `GET ${META.path}, Upgrade: websocket, permessage-deflate offered`,
        cost: `once: request head ${req}`,
        style: 'request',
      },
      {
        kind: 'arrow',
        from: 'server',
        label: '101 Switching Protocols, permessage-deflate',
        cost: `once: response head ${res}; HTTP ends here`,
        style: 'response',
      },
      { kind: 'event', label: 'message 42 published' },
      { kind: 'gap', label: 'the server deflates message 42 for this socket, against this socket’s history' },
      { kind: 'arrow', from: 'server', label: 'text frame, RSV1 set: deflated {"seq":42,…}', cost: `${json} in ${frame}`, style: 'frame' },
      {
        kind: 'arrow',
        from: 'client',
        label: 'masked frame, deflated (chat upstream)',
        cost: '6 B header (4 B of it the mask) + deflated body',
        style: 'frame',
      },
      { kind: 'event', label: 'message 43 published' },
      {
        kind: 'arrow',
        from: 'server',
        label: 'text frame, RSV1 set: deflated {"seq":43,…}',
        cost: 'smaller still: more history to point back at',
        style: 'frame',
      },
    ],
  };
}

export default { id: 'websocket-deflate', content } satisfies Lesson;
