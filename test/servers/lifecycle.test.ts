/** Servers stop without leaving a handle behind, in-process and as a child process. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { ServerProcess } from '../../run/server-process.ts';
import { startServer } from '../../servers/server.ts';
import { eventually, getRequest, openRaw } from '../helpers/wire.ts';

function networkHandles(): string[] {
  return process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP') || r === 'Timeout');
}

test('closing a server with held polls, streams and sockets leaves no open handle', async () => {
  const before = networkHandles().length;
  const server = await startServer({ rate: 50, holdMs: 60_000 });
  const poll = await openRaw(server.port);
  poll.send(getRequest(server.port, '/longpoll?since=0'));
  const sse = await openRaw(server.port);
  sse.send(getRequest(server.port, '/sse'));
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws`);
  ws.on('error', () => {});
  await new Promise((resolve) => ws.once('open', resolve));
  await eventually(() => server.stats().techniques.sse!.open === 1, 'the SSE stream to open');
  await server.close();
  await Promise.all([poll.closed, sse.closed, new Promise((resolve) => ws.once('close', resolve))]);
  await eventually(
    () => networkHandles().length <= before,
    () => `handles to close: ${networkHandles().join(', ')}`,
  );
});

test('a server child process reports ready and stats over IPC, and exits on close', async () => {
  const server = await ServerProcess.spawn({ techniques: ['polling'], rate: 100, payloadBytes: 8, holdMs: 1000 });
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const body = await (await fetch(`${server.url}/poll?since=0`)).text();
  assert.match(body, /^\[/);
  const { stats } = await server.stats();
  assert.equal(stats.techniques.polling!.requests, 1);
  assert.ok(stats.process.rssBytes > 0 && stats.process.cpuMicros > 0);
  await server.close();
  await assert.rejects(server.stopPublishing(), /server process \d+ exited with code 0/);
});

test('a crashed server child rejects pending requests with the reason', async () => {
  const server = await ServerProcess.spawn({ techniques: ['sse'], rate: 0, payloadBytes: 8, holdMs: 1000 });
  const pending = server.stats();
  server.kill('SIGKILL');
  await pending.catch(() => {}); // may answer before the kill lands
  await assert.rejects(server.stats(), /server process \d+ was killed by SIGKILL/);
});

test('a server child that cannot listen reports why', async () => {
  const first = await ServerProcess.spawn({ techniques: ['polling'], rate: 0, payloadBytes: 8, holdMs: 1000 });
  const port = Number(new URL(first.url).port);
  try {
    await assert.rejects(
      ServerProcess.spawn({ techniques: ['polling'], rate: 0, payloadBytes: 8, holdMs: 1000, port }),
      /server could not start: .*EADDRINUSE/,
    );
  } finally {
    await first.close();
  }
});
