/** `pushbench serve` as a user runs it: a JSON first line, the feed on every endpoint, a clean stop. */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import WebSocket from 'ws';
import { TECHNIQUES } from '../../core/techniques.ts';
import { runCli, startCli } from '../helpers/cli.ts';

test('serve --technique all: first line names the URL, every technique delivers, SIGINT prints stats', async () => {
  const { child, firstLine, output, closed } = await startCli(['serve', '--technique', 'all', '--rate', '20', '--payload', '32']);
  try {
    const info = JSON.parse(firstLine) as { url: string; techniques: string[]; endpoints: Record<string, string> };
    assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/, 'binds loopback by default, on a free port');
    assert.deepEqual(info.techniques, TECHNIQUES);
    assert.equal(info.endpoints.websocket, `${info.url.replace('http', 'ws')}/ws`);
    assert.equal(info.endpoints['websocket-deflate'], `${info.url.replace('http', 'ws')}/ws-deflate`, 'the scheme follows the transport');
    assert.equal(info.endpoints.sse, `${info.url}/sse`);

    const poll = (await (await fetch(`${info.url}/longpoll?since=0`)).json()) as Array<{ seq: number; data: string }>;
    assert.ok(poll.length >= 1 && poll[0]!.seq === 1);
    assert.equal(poll[0]!.data.length, 32);

    const ws = new WebSocket(info.endpoints.websocket!);
    const frame = await new Promise<string>((resolve) => ws.once('message', (d: Buffer) => resolve(d.toString())));
    assert.ok((JSON.parse(frame) as { seq: number }).seq > 0);
    ws.terminate();
  } finally {
    child.kill('SIGINT');
  }
  assert.equal(await closed, 0);
  const lastLine = output().stdout.trim().split('\n').at(-1)!;
  const stopped = JSON.parse(lastLine) as {
    stopped: string;
    stats: { published: number; techniques: Record<string, { requests: number }> };
  };
  assert.equal(stopped.stopped, 'SIGINT');
  assert.ok(stopped.stats.published > 0);
  assert.equal(stopped.stats.techniques.longpoll!.requests, 1);
});

test('serve refuses invalid flags with exit 2 naming the value and the allowed values', async () => {
  const bad = await runCli(['serve', '--technique', 'carrier-pigeon']);
  assert.equal(bad.code, 2);
  assert.ok(bad.stderr.includes(`invalid --technique: received "carrier-pigeon"; allowed: ${TECHNIQUES.join(', ')}, all`), bad.stderr);
  const port = await runCli(['serve', '--port', '70000']);
  assert.equal(port.code, 2);
  assert.match(port.stderr, /invalid --port: received "70000"/);
  const unknown = await runCli(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"; allowed: run, serve, report, map, publish, k8s, merge, compare/);
});

test('serve on a port in use says so and exits 1', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    const result = await runCli(['serve', '--port', String(port)]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE.*pick another --port`));
  } finally {
    blocker.close();
  }
});
