/**
 * End-to-end against a real Socket.IO 4.8 server (npm socket.io, targets/socket.io/server.mjs),
 * started by pushbench from its target files: Engine.IO's polling transport (longpoll), its
 * websocket transport opened directly, and the default flow (polling, probe, upgrade) each
 * deliver every published message inside Socket.IO's event packets, with client bytes equal to
 * the kernel's; heartbeats are counted to the byte; the upgrade flow's bytes are the sum of its
 * exchanges; a refused handshake or a session the server ends fails the technique within
 * seconds, naming Socket.IO's own code and message.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type WebSocket from 'ws';
import { parseTargetFile } from '../../core/targets.ts';
import { SocketCounter } from '../../core/socket-counter.ts';
import { HEADER_PROFILES } from '../../load/headers.ts';
import { SessionTally, sessionTab, wsFrameBytes } from '../../load/sessions.ts';
import { CLIENT_WIRES } from '../../load/wire-clients.ts';
import { liveChildren } from '../../run/children.ts';
import { TargetServer } from '../../run/target-server.ts';
import { fileTarget, type ResolvedTarget } from '../../run/targets.ts';
import { messageJsonBytes } from '../../load/match.ts';
import type { TechniqueId } from '../../core/techniques.ts';
import { assertAccounted, assertWholeAndKernelAgrees, completed, runOn, target, tinyParams } from '../helpers/targets.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const socketIo = target('targets/socket.io/target.json');
const upgrade = target('targets/socket.io/upgrade.json');

/** The bundled target file with `edit` applied to its parsed JSON (a variant a test needs). */
function variant(
  file: string,
  edit: (data: { techniques: Record<string, { path: string }>; server: { command: string[] } }) => void,
): ResolvedTarget {
  const absolute = path.join(ROOT, file);
  const data = JSON.parse(readFileSync(absolute, 'utf8')) as Parameters<typeof edit>[0];
  edit(data);
  return fileTarget(parseTargetFile(JSON.stringify(data), file), file, absolute);
}

/** Socket.IO's event packet around the message: `42["msg",` and `]`. */
const EVENT_ENVELOPE_BYTES = '42["msg",]'.length;

describe('Socket.IO: every transport accounts for every message', () => {
  for (const [label, t, technique] of [
    ['polling transport (longpoll)', socketIo, 'longpoll'],
    ['websocket transport (websocket)', socketIo, 'websocket'],
    ['default flow: polling, probe, upgrade (websocket)', upgrade, 'websocket'],
  ] as const) {
    test(label, async () => {
      const params = tinyParams();
      const r = completed(await runOn(t, technique as TechniqueId, params));
      assertAccounted(r, params.clients, technique as TechniqueId);
      const session = r.session;
      assert.ok(session !== undefined && session !== null, 'the session protocol is reported');
      assert.equal(session.protocol, 'engine.io');
      assert.equal(session.connect.clients, params.clients);
      // Each message came in its own event packet (on polling, several in one answer are joined by a separator, also envelope).
      // Counted over the messages received in the byte window, the same ones whose payload is in bytes.payload.
      assert.ok(session.envelopeMessages > 0);
      if (technique === 'websocket') assert.equal(session.envelopeBytes, EVENT_ENVELOPE_BYTES * session.envelopeMessages);
      else assert.ok(session.envelopeBytes >= EVENT_ENVELOPE_BYTES * session.envelopeMessages);
      if (technique === 'websocket') {
        // Down, to the byte (and the kernel agreed): one unmasked frame per event packet, its header 2 bytes below 126.
        assert.ok(messageJsonBytes(1, 1, undefined, params.payloadBytes) + EVENT_ENVELOPE_BYTES < 126);
        assert.equal(r.bytes.down, r.bytes.payload + session.envelopeMessages * (EVENT_ENVELOPE_BYTES + 2) + session.heartbeatBytes.down);
      }
    });
  }

  test('nothing is left running', () => {
    assert.equal(liveChildren(), 0);
  });
});

describe('Socket.IO: chat in rooms, by an event on the own socket and by HTTP POST', () => {
  for (const technique of ['websocket', 'longpoll'] as const) {
    test(`${technique}: every message a client publishes reaches its room, the sender included`, async () => {
      const r = completed(await runOn(socketIo, technique, tinyParams({ workload: 'chat', clients: 8, roomSize: 4, rate: 2 })));
      assert.ok(r.messages.published > 0);
      assert.equal(r.messages.lost, 0);
      assert.equal(r.messages.delivered, r.messages.expected);
      assert.equal(r.messages.unmatched, 0);
    });
  }
});

describe('Socket.IO: heartbeats are counted to the byte', () => {
  // The same server pinging every 250 ms instead of 25 s, so the window holds pings.
  const pinging = variant('targets/socket.io/target.json', (d) => {
    d.server.command[d.server.command.length - 1] = '250';
  });

  test('websocket: each ping is a 3-byte frame down and each pong a 7-byte frame up, in the bytes the kernel confirms', async () => {
    const params = tinyParams();
    const r = completed(await runOn(pinging, 'websocket', params));
    // Not assertAccounted: its "nothing up in the window" is exactly what pongs break.
    assert.equal(r.messages.delivered, r.messages.expected);
    assert.ok(r.messages.published > 0);
    assertWholeAndKernelAgrees(r);
    const session = r.session!;
    assert.ok(session.heartbeats >= params.clients * 4, `pings in a 2 s window at 250 ms: ${session.heartbeats}`);
    assert.deepEqual(session.heartbeatBytes, {
      up: session.heartbeats * wsFrameBytes(1, true),
      down: session.heartbeats * wsFrameBytes(1, false),
    });
    // Up carried pongs alone; down, the event frames and the pings, nothing else.
    assert.equal(r.bytes.up, session.heartbeatBytes.up);
    assert.equal(r.bytes.down, r.bytes.payload + session.envelopeMessages * (EVENT_ENVELOPE_BYTES + 2) + session.heartbeatBytes.down);
  });

  test('polling: each ping is answered by a POST 3, its exchange counted', async () => {
    const params = tinyParams();
    const r = completed(await runOn(pinging, 'longpoll', params));
    assert.equal(r.messages.lost, 0);
    assert.equal(r.messages.delivered, r.messages.expected);
    const session = r.session!;
    assert.ok(session.heartbeats >= params.clients * 4, `pings: ${session.heartbeats}`);
    // A pong is a whole POST exchange: at least its request line and `3`, and Socket.IO's `ok`.
    assert.ok(session.heartbeatBytes.up > session.heartbeats * 'POST / HTTP/1.1\r\n\r\n3'.length);
    assert.ok(session.heartbeatBytes.down > session.heartbeats * 'HTTP/1.1 200 OK\r\n\r\nok'.length);
    assert.ok(session.heartbeatBytes.up <= r.bytes.up && session.heartbeatBytes.down <= r.bytes.down);
  });

  test('nothing is left running', () => {
    assert.equal(liveChildren(), 0);
  });
});

describe('Socket.IO: the connect flow, exchange by exchange', () => {
  let server: TargetServer;
  before(async () => {
    if (upgrade.server.kind !== 'command') throw new Error('the target starts its server');
    server = await TargetServer.start(upgrade.server.command, upgrade.origin!, 'socket.io-upgrade');
  });
  after(() => server.close());

  /** Opens one client's WebSocket through the engine.io adapter; resolves with its counter and tally once connected. */
  async function connectOne(withUpgrade: boolean): Promise<{ counter: SocketCounter; tally: SessionTally; ws: WebSocket }> {
    const counter = new SocketCounter();
    const protocol = { kind: 'engine.io' as const, upgrade: withUpgrade };
    const tally = new SessionTally(protocol, 'websocket', () => false);
    const profile = HEADER_PROFILES.minimal;
    const tab = sessionTab(protocol, {
      makeTab: (c) => CLIENT_WIRES.http(server.origin, c),
      counter,
      pollPath: '/socket.io/?EIO=4&transport=polling&room=broadcast',
      getHeaders: profile.longPoll,
      postHeaders: profile.publish,
      tally,
    });
    const ws = tab.openWebSocket(`${server.origin.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket&room=broadcast`, [], {
      perMessageDeflate: false,
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return { counter, tally, ws };
  }

  for (const withUpgrade of [true, false]) {
    test(
      withUpgrade
        ? 'polling, probe, upgrade: the steps add up to every byte the client sent and received'
        : 'transport=websocket: the steps add up to every byte',
      async () => {
        const { counter, tally, ws } = await connectOne(withUpgrade);
        const steps = tally.result().connect.steps;
        const total = counter.totals();
        assert.equal(tally.result().connect.clients, 1);
        assert.deepEqual(
          { up: steps.reduce((s, x) => s + x.up, 0), down: steps.reduce((s, x) => s + x.down, 0) },
          total,
          JSON.stringify(steps),
        );
        const step = (name: string) => steps.find((s) => s.name === name);
        if (withUpgrade) {
          assert.deepEqual(step('upgrade: 2probe / 3probe'), { name: 'upgrade: 2probe / 3probe', up: 6 + 6, down: 2 + 6 });
          assert.deepEqual(step('upgrade: 5 (upgrade)'), { name: 'upgrade: 5 (upgrade)', up: 6 + 1, down: 0 });
          assert.deepEqual(
            steps.map((s) => s.name),
            [
              'polling: handshake GET (0 open)',
              'polling: POST 40 (namespace connect)',
              'polling: GET 40{sid} (connected)',
              'upgrade: HTTP upgrade (101) with the sid',
              'upgrade: 2probe / 3probe',
              'upgrade: last GET (6 noop)',
              'upgrade: 5 (upgrade)',
            ],
          );
          // The HTTP exchanges are whole requests and answers: more than a request line, more than a status line.
          for (const s of steps.filter((x) => !x.name.includes('probe') && !x.name.includes('5 (upgrade)')))
            assert.ok(s.up > 16 && s.down > 17, JSON.stringify(s));
        } else {
          // The namespace connect: `40` up in a masked frame; the open packet and `40{"sid":"..."}` down.
          assert.equal(step('websocket: 40 / 40{sid} (namespace connect)')?.up, 6 + 2);
          assert.ok((step('websocket: 0 open')?.down ?? 0) > 2 + '0{"sid":"","pingInterval":25000}'.length);
        }
        ws.close(1000);
        await new Promise((resolve) => ws.once('close', resolve));
      },
    );
  }
});

describe("Socket.IO: refusals name the framework's code and message, within seconds", () => {
  const cases: Array<[string, TechniqueId, (p: string) => string, RegExp]> = [
    [
      'wrong EIO version, polling',
      'longpoll',
      (p) => p.replace('EIO=4', 'EIO=3'),
      /handshake GET \/socket\.io\/\?EIO=3.* answered 400: Engine\.IO error 5 "Unsupported protocol version"/,
    ],
    [
      'wrong EIO version, websocket (101, then a 400 on the upgraded socket)',
      'websocket',
      (p) => p.replace('EIO=4', 'EIO=3'),
      /101 and then bytes that are not WebSocket frames .*answers 400: Engine\.IO error 5 "Unsupported protocol version"/,
    ],
    [
      "an unknown session id: a 400 with Socket.IO's error body",
      'longpoll',
      (p) => `${p}&sid=nope`,
      /answered 400: Engine\.IO error 1 "Session ID unknown"/,
    ],
    ['wrong path, polling', 'longpoll', (p) => p.replace('/socket.io/', '/sio/'), /handshake GET \/sio\/.* answered 404: not found/],
    [
      'a session the server ends (polling)',
      'longpoll',
      (p) => p.replace('{room}', 'refuse'),
      /the server disconnected the Socket\.IO socket \(packet 41, DISCONNECT\)/,
    ],
    [
      'a session the server ends (websocket)',
      'websocket',
      (p) => p.replace('{room}', 'refuse'),
      /the server disconnected the Socket\.IO socket \(packet 41, DISCONNECT\)/,
    ],
  ];
  for (const [label, technique, edit, expected] of cases) {
    test(label, async () => {
      const t = variant('targets/socket.io/target.json', (d) => {
        const spec = d.techniques[technique]!;
        spec.path = edit(spec.path);
      });
      const result = await runOn(t, technique, tinyParams());
      assert.equal(result.state, 'failed');
      assert.match(result.state === 'failed' ? result.error : '', expected);
    });
  }

  test('nothing is left running', () => {
    assert.equal(liveChildren(), 0);
  });
});

test('the target files validate and map the transports onto techniques', () => {
  assert.deepEqual([...socketIo.techniques], ['longpoll', 'websocket']);
  assert.deepEqual(socketIo.subscriptions.longpoll?.session, { kind: 'engine.io', upgrade: false });
  assert.deepEqual(upgrade.subscriptions.websocket?.session, { kind: 'engine.io', upgrade: true });
  assert.throws(
    () =>
      parseTargetFile(
        JSON.stringify({
          name: 'x',
          origin: 'http://127.0.0.1:1',
          protocol: 'socket.io',
          publish: { method: 'POST', path: '/p', body: '{message}', accepted: [204] },
          techniques: { websocket: { path: '/ws', cursor: { kind: 'none' } } },
        }),
        'x.json',
      ),
    /\$\.protocol: expected .*engine\.io.*found "socket\.io"/,
  );
  assert.throws(
    () =>
      parseTargetFile(
        JSON.stringify({
          name: 'x',
          origin: 'http://127.0.0.1:1',
          publish: { method: 'POST', path: '/p', body: '{message}', accepted: [204] },
          techniques: { websocket: { path: '/ws', cursor: { kind: 'none' }, upgrade: true } },
        }),
        'x.json',
      ),
    /\$\.techniques\.websocket\.upgrade: expected no "upgrade" without "protocol": "engine\.io"/,
  );
});
