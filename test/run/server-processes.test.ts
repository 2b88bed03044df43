/**
 * `--server-processes N`: several built-in server processes on one port, one deterministic feed.
 * Every client gets every message exactly once whichever process it landed on; the figures are
 * the processes' sum; a process killed mid-run is that process's loss, the others' figures kept.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PLAIN_WS_TECHNIQUE } from '../../core/techniques.ts';

const SSE_TECHNIQUE = 'sse' as const;
import type { CompletedResult } from '../../core/results.ts';
import { liveChildren } from '../../run/children.ts';
import { runScenarios } from '../../run/runner.ts';
import { ServerGroup, sumStats } from '../../run/server-group.ts';
import { sampleTree } from '../../run/proc-tree.ts';
import net from 'node:net';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { LISTEN_BACKLOG, type ServerStats } from '../../core/protocol.ts';
import { encodeHistogram, createLatencyHistogram } from '../../core/histogram.ts';
import { isAlive } from '../helpers/processes.ts';
import { tinyParams } from '../helpers/tiny-params.ts';

test('two server processes on one port serve one feed: every message once to every client, figures summed', {
  timeout: 120_000,
}, async () => {
  const clients = 40;
  const [scenario] = await runScenarios(
    [
      {
        id: 'two',
        group: 'two',
        title: 'two',
        description: '',
        params: tinyParams({ clients, durationMs: 1000 }),
        techniques: [PLAIN_WS_TECHNIQUE, SSE_TECHNIQUE],
      },
    ],
    { signal: new AbortController().signal, generators: 1, serverProcesses: 2, progress: () => {} },
  );
  for (const technique of [PLAIN_WS_TECHNIQUE, SSE_TECHNIQUE] as const) {
    const result = scenario!.results[technique] as CompletedResult;
    assert.equal(result.state, 'completed', (result as { error?: string }).error);
    assert.ok(result.messages.published > 0);
    assert.equal(result.messages.expected, result.messages.published * clients);
    assert.equal(result.messages.delivered, result.messages.expected, `${technique}: every client got every message`);
    assert.equal(result.messages.duplicated, 0);
    assert.equal(result.messages.lost, 0);
    assert.equal(result.agreement?.agree, true, `${technique}: the two processes' bytes add up to the clients' count`);
    const processes = result.server!.processes!;
    assert.equal(processes.length, 2);
    assert.equal(new Set(processes.map((p) => p.pid)).size, 2);
    assert.equal(
      processes.reduce((n, p) => n + p.connections, 0),
      result.server!.connections,
    );
    assert.equal(result.server!.rssBytes, processes[0]!.rssBytes + processes[1]!.rssBytes);
    assert.ok(processes.every((p) => p.exited === null));
    // The machine over the run: one generator on the default address holds every client's socket.
    const machine = result.machine!;
    assert.equal(machine.portsBusiest, clients);
    assert.ok(
      machine.filesBusiest >= clients,
      `the generator held ${clients} sockets; the busiest process had ${machine.filesBusiest} files`,
    );
    assert.ok(machine.memoryMinAvailableBytes > 0 && machine.memoryMinAvailableBytes <= machine.memoryTotalBytes);
    assert.ok(machine.cpuBusy >= 0 && machine.cpuBusy <= 1);
  }
  assert.equal(liveChildren(), 0);
});

test("the shared listening socket keeps a deep accept queue: every process's listen() asks the kernel for LISTEN_BACKLOG, not Node's 511", {
  timeout: 60_000,
}, async () => {
  const group = await ServerGroup.spawn({ techniques: [SSE_TECHNIQUE], rate: 0, payloadBytes: 16, holdMs: 1000 }, 2);
  try {
    const port = new URL(group.url).port;
    const somaxconn = Number(fs.readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    // A listening socket's Send-Q in `ss -ltn` is its accept-queue limit.
    const line = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' }).trim();
    const sendQ = Number(line.split(/\s+/)[2]);
    assert.equal(sendQ, Math.min(LISTEN_BACKLOG, somaxconn), line);
    assert.ok(sendQ > 511, `somaxconn here is ${somaxconn}: the test needs it above Node's default`);
  } finally {
    await group.close();
  }
  assert.equal(liveChildren(), 0);
});

test('a server process killed mid-run is reported as its own loss; the other keeps serving and its figures are kept', {
  timeout: 120_000,
}, async () => {
  const clients = 40;
  let killedPid: number | undefined;
  let group: ServerGroup | undefined;
  const [scenario] = await runScenarios(
    [
      {
        id: 'kill',
        group: 'kill',
        title: 'kill',
        description: '',
        params: tinyParams({ clients, durationMs: 2000, warmupMs: 300 }),
        techniques: [PLAIN_WS_TECHNIQUE],
      },
    ],
    {
      signal: new AbortController().signal,
      generators: 1,
      serverProcesses: 2,
      onServer: (_technique, server) => (group = server as ServerGroup),
      progress: (event) => {
        if (event.phase !== 'measuring' || group === undefined || killedPid !== undefined) return;
        // The process holding more clients dies, so that the loss is certain to be seen.
        const g = group;
        killedPid = -1;
        void g.stats().then((reply) => {
          const busiest = [...reply.members!].sort((a, b) => b.stats.connections.open - a.stats.connections.open)[0]!;
          killedPid = busiest.pid;
          g.members.find((m) => m.pid === busiest.pid)!.kill('SIGKILL');
        });
      },
    },
  );
  const result = scenario!.results[PLAIN_WS_TECHNIQUE] as CompletedResult;
  assert.equal(result.state, 'completed', (result as { error?: string }).error);
  assert.ok(killedPid !== undefined && killedPid > 0);
  const processes = result.server!.processes!;
  const dead = processes.find((p) => p.pid === killedPid)!;
  const alive = processes.find((p) => p.pid !== killedPid)!;
  assert.match(dead.exited ?? '', /SIGKILL/);
  assert.equal(dead.connections, 0);
  assert.equal(alive.exited, null);
  assert.ok(alive.connections > 0, 'the surviving process still holds its clients');
  assert.ok(alive.cpuPercent > 0, "the surviving process's figures are kept");
  assert.ok(result.messages.lost > 0, "the dead process's clients lost messages");
  assert.ok(result.messages.delivered > 0, "the surviving process's clients were served");
  assert.ok(result.clientErrors.count > 0, 'its clients saw their connections cut');
  assert.equal(isAlive(killedPid!), false);
  assert.equal(liveChildren(), 0);
});

test('a process at its accept cap stops accepting, so the kernel deals the rest to the other: 2 + 2 of 4 connections, whichever it favours', {
  timeout: 60_000,
}, async () => {
  const group = await ServerGroup.spawn({ techniques: [PLAIN_WS_TECHNIQUE], rate: 0, payloadBytes: 16, holdMs: 1000, acceptCap: 2 }, 2);
  const sockets: net.Socket[] = [];
  try {
    const port = new URL(group.url).port;
    for (let i = 0; i < 4; i++) {
      const socket = net.connect(Number(port), '127.0.0.1');
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      // Accepted (or not) before the next one comes: each process's count is read in turn.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const open = await Promise.all(group.members.map(async (m) => (await m.stats()).stats.connections));
    assert.deepEqual(
      open.map((c) => c.open),
      [2, 2],
      JSON.stringify(open),
    );
    assert.deepEqual(
      open.map((c) => c.acceptStopped),
      [true, true],
    );
  } finally {
    for (const socket of sockets) socket.destroy();
    await group.close();
  }
  assert.equal(liveChildren(), 0);
});

test('sumStats adds bytes, connections, CPU and RSS, takes the feed count from the publishing processes', () => {
  const empty = encodeHistogram(createLatencyHistogram());
  const sample = (n: number, published: number): ServerStats => ({
    at: n,
    bytes: { up: 10 * n, down: 100 * n, setupUp: n, setupDown: 2 * n },
    bytesByRoute: { websocket: { up: 10 * n, down: 100 * n } },
    techniques: { websocket: { requests: 0, emptyResponses: 0, messagesWritten: 5 * n, open: n } },
    connections: { open: n, total: n + 1 },
    published,
    lateTicks: 0,
    maxTickLateMs: n,
    publisher: { busyWaitMicros: n, blockedMicros: n, latenessHistogram: empty, fanOutHistogram: empty },
    rejected: { badRequest: 0, notFound: n, methodNotAllowed: 0, gone: 0, tooLarge: 0, forbidden: 0 },
    process: { cpuMicros: 1000 * n, rssBytes: 1_000_000 * n, eluIdleMs: n, eluActiveMs: 2 * n },
  });
  const a = sample(1, 7);
  const b = sample(2, 7);
  const sum = sumStats([a, b], [a, b]);
  assert.deepEqual(sum.bytes, { up: 30, down: 300, setupUp: 3, setupDown: 6 });
  assert.deepEqual(sum.bytesByRoute, { websocket: { up: 30, down: 300 } });
  assert.deepEqual(sum.techniques.websocket, { requests: 0, emptyResponses: 0, messagesWritten: 15, open: 3 });
  assert.deepEqual(sum.connections, { open: 3, total: 5 });
  assert.equal(sum.published, 7, 'each process publishes the whole feed: not 14');
  assert.equal(sum.maxTickLateMs, 2);
  assert.equal(sum.rejected.notFound, 3);
  assert.deepEqual(sum.process, { cpuMicros: 3000, rssBytes: 3_000_000, eluIdleMs: 3, eluActiveMs: 6 });
  // A dead process's count stops: the live ones say how many were published.
  assert.equal(sumStats([a, sample(2, 3)], [a]).published, 7);
});

test('a server process too busy to answer (stopped here) keeps its CPU and RSS in the sums, read from /proc', {
  timeout: 60_000,
}, async () => {
  const group = await ServerGroup.spawn({ techniques: [SSE_TECHNIQUE], rate: 0, payloadBytes: 16, holdMs: 1000 }, 2, { requestMs: 1000 });
  const frozen = group.members[1]!;
  try {
    await group.stats();
    process.kill(frozen.pid, 'SIGSTOP');
    const reply = await group.stats();
    const sample = reply.members!.find((m) => m.pid === frozen.pid)!;
    assert.match(sample.exited ?? '', /alive: its CPU and RSS read from \/proc$/);
    // A stopped process's RSS does not move: /proc now says what the group summed.
    const proc = sampleTree(frozen.pid, () => 0)!;
    assert.equal(sample.stats.process.rssBytes, proc.rssBytes);
    assert.equal(sample.stats.process.cpuMicros, proc.cpuMicros);
    const other = reply.members!.find((m) => m.pid !== frozen.pid)!;
    assert.equal(reply.stats.process.rssBytes, other.stats.process.rssBytes + proc.rssBytes);
  } finally {
    process.kill(frozen.pid, 'SIGCONT');
    await group.close();
  }
  assert.equal(liveChildren(), 0);
});
