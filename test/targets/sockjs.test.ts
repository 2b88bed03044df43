/**
 * End-to-end against a real SockJS server (npm sockjs 0.3.24, targets/sockjs/server.mjs), started
 * by pushbench from its target files: every transport (websocket, eventsource and xhr_streaming on
 * the sse row, xhr polling on the longpoll row) delivers every published message inside SockJS's
 * `a["..."]` frames, with client bytes equal to the kernel's, the envelope and the heartbeats
 * counted to the byte; chat over the WebSocket session; a wrong prefix and a session the server
 * closes fail the technique within seconds, naming the status or SockJS's code and reason.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { EXIT, exitCodeFor } from '../../cli/exit-codes.ts';
import { parseRunArgs } from '../../cli/options.ts';
import { ConfigError } from '../../core/errors.ts';
import { chunkFramingBytes } from '../../core/protocol.ts';
import { parseTargetFile } from '../../core/targets.ts';
import type { TechniqueId } from '../../core/techniques.ts';
import { messageJsonBytes } from '../../load/match.ts';
import { wsFrameBytes } from '../../load/sessions.ts';
import { liveChildren } from '../../run/children.ts';
import { fileTarget, type ResolvedTarget } from '../../run/targets.ts';
import { assertAccounted, assertWholeAndKernelAgrees, completed, runOn, target, tinyParams } from '../helpers/targets.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const sockjs = target('targets/sockjs/target.json');
const xhrStreaming = target('targets/sockjs/xhr-streaming.json');

type TargetData = { techniques: Record<string, { path: string }>; server: { command: string[]; env?: Record<string, string> } };

/** A bundled target file with `edit` applied to its parsed JSON (a variant a test needs). */
function variant(file: string, edit: (data: TargetData) => void): ResolvedTarget {
  const absolute = path.join(ROOT, file);
  const data = JSON.parse(readFileSync(absolute, 'utf8')) as TargetData;
  edit(data);
  return fileTarget(parseTargetFile(JSON.stringify(data), file), file, absolute);
}

/** The same server with a heartbeat every 500 ms instead of 25 s, so that a 2 s window holds 3 or 4 per client. */
const beating = (file: string): ResolvedTarget =>
  variant(file, (d) => {
    d.server.command[d.server.command.length - 1] = '500';
  });

/**
 * SockJS's envelope around one broadcast message in its own frame: `a["` and `"]`, and a
 * backslash before each of the message JSON's 8 quotes (`{"seq":N,"t":T,"data":"..."}`).
 */
const FRAME_ENVELOPE_BYTES = 'a[""]'.length + 8;

/** A frame's bytes on the wire for one message of `json` bytes: its own, plus `framing` around it, on a chunked answer. */
function chunkedEventBytes(json: number, framing: number): number {
  const event = json + FRAME_ENVELOPE_BYTES + framing;
  return event + chunkFramingBytes(event);
}

describe('SockJS: every transport accounts for every message, envelope and heartbeats to the byte', () => {
  // 2 clients at 2 msg/s: with their heartbeats, each window edge still soon has a quiet moment for the kernel's count.
  const params = tinyParams({ clients: 2, rate: 2 });
  // Every message of the tiny run is 95 to 110 bytes of JSON: each frame and event stays below 126 bytes and 256 (one WebSocket length byte, two hex digits of chunk size).
  const json = messageJsonBytes(1, 1e12, undefined, params.payloadBytes);

  test('websocket: a[...] text frames down; heartbeats are empty pings answered by empty pongs', async () => {
    const r = completed(await runOn(beating('targets/sockjs/target.json'), 'websocket', params));
    // Not assertAccounted: its "nothing up in the window" is what pongs break.
    assert.equal(r.messages.delivered, r.messages.expected);
    assert.equal(r.messages.expected, r.messages.published * params.clients);
    assert.ok(r.messages.published > 0);
    assertWholeAndKernelAgrees(r);
    const session = r.session!;
    assert.equal(session.protocol, 'sockjs');
    assert.equal(session.transport, 'sockjs websocket');
    assert.equal(session.connect.clients, params.clients);
    assert.deepEqual(
      session.connect.steps.map((s) => s.name),
      ['info: GET /info', 'websocket: HTTP upgrade (101)', 'websocket: o (open)'],
    );
    assert.deepEqual(session.connect.steps[2], { name: 'websocket: o (open)', up: 0, down: params.clients * wsFrameBytes(1, false) });
    assert.equal(session.envelopeBytes, FRAME_ENVELOPE_BYTES * session.envelopeMessages);
    assert.ok(session.heartbeats >= params.clients * 3, `heartbeats in a 2 s window at 500 ms: ${session.heartbeats}`);
    assert.deepEqual(session.heartbeatBytes, { up: session.heartbeats * 6, down: session.heartbeats * 2 });
    assert.ok(json + 3 + FRAME_ENVELOPE_BYTES < 126, 'a frame header of 2 bytes (seq of up to 3 digits)');
    // Up: the pongs alone; down: one frame per message (2-byte header) and the pings, nothing else.
    assert.equal(r.bytes.up, session.heartbeatBytes.up);
    assert.equal(r.bytes.down, r.bytes.payload + session.envelopeMessages * (FRAME_ENVELOPE_BYTES + 2) + session.heartbeatBytes.down);
  });

  for (const [label, t, transport, framing, heartbeatBytes] of [
    // data: a[...]\r\n\r\n, each event one chunk; a heartbeat is `data: h\r\n\r\n` in a chunk of its own.
    ['eventsource (sse)', 'targets/sockjs/target.json', 'eventsource', 'data: \r\n\r\n'.length, 11 + chunkFramingBytes(11)],
    // a[...]\n, each line one chunk (its \n is SockJS's, in the envelope); a heartbeat is `h\n`.
    ['xhr_streaming (sse)', 'targets/sockjs/xhr-streaming.json', 'xhr_streaming', 1, 2 + chunkFramingBytes(2)],
  ] as const) {
    test(`${label}: one chunked event per message; a heartbeat is ${heartbeatBytes} bytes`, async () => {
      const r = completed(await runOn(beating(t), 'sse', params));
      assertAccounted(r, params.clients, 'sse');
      const session = r.session!;
      assert.equal(session.transport, `sockjs ${transport}`);
      const newline = transport === 'xhr_streaming' ? 1 : 0;
      assert.equal(session.envelopeBytes, (FRAME_ENVELOPE_BYTES + newline) * session.envelopeMessages);
      assert.ok(session.heartbeats >= params.clients * 3, `heartbeats: ${session.heartbeats}`);
      assert.deepEqual(session.heartbeatBytes, { up: 0, down: session.heartbeats * heartbeatBytes });
      // Down, to the byte: each message's event (the envelope, the framing, the chunk's size line and CRLF) and the heartbeats.
      const perMessage = chunkedEventBytes(json, framing) - json;
      assert.equal(chunkFramingBytes(json + FRAME_ENVELOPE_BYTES + framing), 6, 'two hex digits of chunk size');
      assert.equal(r.bytes.down, r.bytes.payload + session.envelopeMessages * perMessage + session.heartbeatBytes.down);
      if (transport === 'xhr_streaming') {
        const prelude = session.connect.steps.find((s) => s.name === 'xhr_streaming: 2049-byte h prelude');
        // 2049 bytes in one chunk: `801\r\n`, the prelude, `\r\n`.
        assert.deepEqual(prelude, { name: 'xhr_streaming: 2049-byte h prelude', up: 0, down: params.clients * (2049 + 7) });
      }
    });
  }

  test('xhr polling (longpoll): each held POST answers one frame; a heartbeat answer is a whole exchange', async () => {
    const r = completed(await runOn(beating('targets/sockjs/target.json'), 'longpoll', tinyParams({ clients: 2, rate: 1 })));
    assert.equal(r.messages.lost, 0);
    assert.equal(r.messages.delivered, r.messages.expected);
    assertWholeAndKernelAgrees(r);
    const session = r.session!;
    assert.equal(session.transport, 'sockjs xhr polling');
    // A frame of k messages: `a[`, k messages each in quotes with its 8 escapes, k-1 commas, `]` and `\n`: 3 + 11k bytes; over F frames and M messages, 3F + 11M.
    const frames = r.requests!.total - r.requests!.empty;
    assert.ok(frames > 0 && frames <= session.envelopeMessages);
    assert.equal(session.envelopeBytes, 3 * frames + 11 * session.envelopeMessages);
    // At 1 msg/s a poll waits up to a second: at 500 ms the server answers `h`, and the client polls again.
    assert.ok(session.heartbeats > 0, `heartbeats: ${session.heartbeats}`);
    assert.ok(session.heartbeatBytes.up > session.heartbeats * 'POST / HTTP/1.1\r\n\r\n'.length);
    assert.ok(session.heartbeatBytes.down > session.heartbeats * 'HTTP/1.1 200 OK\r\n\r\nh\n'.length);
    assert.ok(session.heartbeatBytes.up <= r.bytes.up && session.heartbeatBytes.down <= r.bytes.down);
  });

  test('a stream the server ends at its response limit is reopened on the same session: nothing lost', async () => {
    // A limit of 500 bytes: sockjs-node ends the eventsource response after 4 or 5 messages' events.
    const limited = variant('targets/sockjs/target.json', (d) => {
      d.server.command.push('500');
    });
    const r = completed(await runOn(limited, 'sse', tinyParams({ clients: 2, rate: 5 })));
    // Not assertAccounted: the reopened GETs go up inside the window.
    assert.equal(r.messages.expected, r.messages.published * 2);
    assert.equal(r.messages.delivered, r.messages.expected);
    assert.equal(r.kernel?.sockets, 2, 'each stream reopened on its own keep-alive connection');
    // Once, in a CI run under load, one more server socket was open at the first kernel reading and
    // gone at the second, having carried nothing in between (the two sides' bytes were still equal,
    // 444 up, 4,016 down): most likely an idle connection left from the session's setup, closing
    // late (not proven: it has not recurred). The check then says it cannot confirm, and why; what
    // it read can only be short of the clients' count.
    if (r.kernel?.unconfirmed === 'sockets-closed') {
      assert.equal(r.kernel.agree, null);
      assert.ok(r.kernel.serverUp <= r.kernel.clientUp && r.kernel.serverDown <= r.kernel.clientDown, JSON.stringify(r.kernel));
      assert.equal(r.messages.lost, 0);
      assert.equal(r.messages.duplicated, 0);
      assert.equal(r.messages.unmatched, 0);
      assert.equal(r.clientErrors.count, 0, r.clientErrors.first.join('; '));
    } else {
      assertWholeAndKernelAgrees(r);
    }
    assert.ok(r.messages.published >= 8, `enough messages to cross the limit: ${r.messages.published}`);
    assert.equal(r.session!.connect.clients, 2, 'connected once each: a reopened stream is no new session');
    assert.ok(r.bytes.up > 0, 'the reopened GETs');
  });

  test('nothing is left running', () => {
    assert.equal(liveChildren(), 0);
  });
});

describe('SockJS: chat in rooms, by a message on the own session and by HTTP POST', () => {
  for (const [label, technique] of [
    ['websocket: every message a client sends on its session reaches its room, the sender included', 'websocket'],
    ['xhr polling: every message a client POSTs reaches its room, the sender included', 'longpoll'],
  ] as const)
    test(label, async () => {
      const r = completed(await runOn(sockjs, technique, tinyParams({ workload: 'chat', clients: 8, roomSize: 4, rate: 2 })));
      assert.ok(r.messages.published > 0);
      assert.equal(r.messages.lost, 0);
      assert.equal(r.messages.delivered, r.messages.expected);
      assert.equal(r.messages.unmatched, 0);
      assert.equal(r.clientErrors.count, 0, r.clientErrors.first.join('; '));
    });
});

describe("SockJS: refusals name the status or SockJS's close code and reason, within seconds", () => {
  const cases: Array<[string, ResolvedTarget, TechniqueId, RegExp]> = [
    [
      'wrong prefix (websocket): /info is not found',
      variant('targets/sockjs/target.json', (d) => {
        d.techniques.websocket!.path = '/sock?room={room}';
      }),
      'websocket',
      /sockjs: GET \/sock\/info\?room=broadcast answered 404: not found/,
    ],
    [
      "wrong prefix under SockJS's own (eventsource): sockjs-node's 404",
      variant('targets/sockjs/target.json', (d) => {
        d.techniques.sse!.path = '/sockjs/nope?room={room}';
      }),
      'sse',
      /sockjs: GET \/sockjs\/nope\/info\?room=broadcast answered 404: 404 Error: Page not found/,
    ],
    [
      'a server without the websocket transport: /info says "websocket": false',
      variant('targets/sockjs/target.json', (d) => {
        d.server.env = { SOCKJS_WEBSOCKET: 'off' };
      }),
      'websocket',
      /sockjs: GET \/sockjs\/info\?room=broadcast answered "websocket": false: the server offers no websocket transport/,
    ],
    ...(
      [
        ['websocket', sockjs, 'websocket'],
        ['eventsource', sockjs, 'sse'],
        ['xhr_streaming', xhrStreaming, 'sse'],
        ['xhr polling', sockjs, 'longpoll'],
      ] as const
    ).map(([name, t, technique]): [string, ResolvedTarget, TechniqueId, RegExp] => [
      `a session the server closes (${name})`,
      variant(t.file!, (d) => {
        const spec = d.techniques[technique]!;
        spec.path = spec.path.replace('{room}', 'refuse');
      }),
      technique,
      /sockjs: the server closed the session on .*: code 3000 "Go away!" \(c\[3000,"Go away!"\]\)/,
    ]),
  ];
  for (const [label, t, technique, expected] of cases) {
    test(label, async () => {
      const result = await runOn(t, technique, tinyParams());
      assert.equal(result.state, 'failed');
      assert.match(result.state === 'failed' ? result.error : '', expected);
    });
  }

  test('nothing is left running', () => {
    assert.equal(liveChildren(), 0);
  });
});

test('the target files validate and map the transports onto techniques; a bad protocol or transport names what is allowed', () => {
  assert.deepEqual([...sockjs.techniques], ['longpoll', 'sse', 'websocket']);
  assert.deepEqual(sockjs.subscriptions.longpoll?.session, { kind: 'sockjs', transport: 'xhr' });
  assert.deepEqual(sockjs.subscriptions.sse?.session, { kind: 'sockjs', transport: 'eventsource' });
  assert.deepEqual(sockjs.subscriptions.websocket?.session, { kind: 'sockjs', transport: 'ws' });
  assert.deepEqual([...xhrStreaming.techniques], ['sse']);
  assert.deepEqual(xhrStreaming.subscriptions.sse?.session, { kind: 'sockjs', transport: 'xhr_streaming' });
  const file = (extra: Record<string, unknown>, techniques: Record<string, unknown>) =>
    JSON.stringify({
      name: 'x',
      origin: 'http://127.0.0.1:1',
      publish: { method: 'POST', path: '/p', body: '{message}', accepted: [204] },
      techniques,
      ...extra,
    });
  assert.throws(
    () => parseTargetFile(file({ protocol: 'sock.js' }, { websocket: { path: '/ws', cursor: { kind: 'none' } } }), 'x.json'),
    (error: unknown) =>
      /\$\.protocol: expected one of "engine\.io", "sockjs", found "sock\.js"/.test(String(error)) && exitCodeFor(error) === EXIT.badInput,
  );
  assert.throws(
    () => parseTargetFile(file({ protocol: 'sockjs' }, { sse: { path: '/s', cursor: { kind: 'none' }, transport: 'htmlfile' } }), 'x.json'),
    /\$\.techniques\.sse\.transport: expected one of "eventsource", "xhr_streaming", found "htmlfile"/,
  );
  assert.throws(
    () => parseTargetFile(file({}, { sse: { path: '/s', cursor: { kind: 'none' }, transport: 'eventsource' } }), 'x.json'),
    /\$\.techniques\.sse\.transport: expected no "transport" without "protocol": "sockjs"/,
  );
  assert.throws(
    () =>
      parseTargetFile(
        file({ protocol: 'sockjs' }, { polling: { path: '/s', cursor: { kind: 'none' }, split: { kind: 'whole' } } }),
        'x.json',
      ),
    /\$\.techniques\.polling: expected with "protocol": "sockjs" only longpoll, sse, .*websocket.*found polling/,
  );
});

test('one invocation measures every transport beside the built-in target: each file runs the techniques asked for that it offers', () => {
  const files = 'builtin,targets/sockjs/target.json,targets/sockjs/xhr-streaming.json';
  const config = parseRunArgs(['--target-file', files, '--technique', 'longpoll,sse,websocket']);
  assert.deepEqual(
    config.targets.map((t) => [t.name, [...t.techniques]]),
    [
      ['builtin', ['polling', 'longpoll', 'sse', 'websocket', 'websocket-deflate']],
      ['sockjs', ['longpoll', 'sse', 'websocket']],
      ['sockjs-xhr-streaming', ['sse']],
    ],
  );
  // A technique none of them offers is still refused, naming what they do offer.
  assert.throws(
    () => parseRunArgs(['--target-file', 'targets/sockjs/target.json,targets/sockjs/xhr-streaming.json', '--technique', 'polling,sse']),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.message === 'invalid --technique: received "polling", which none of the targets offers; they offer longpoll, sse, websocket',
  );
});
