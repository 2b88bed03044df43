/**
 * Socket.IO as deployed: two cluster workers behind sticky sessions (@socket.io/sticky) with the
 * Redis adapter and a Redis (Debian's redis-server) started from
 * targets/socket.io-redis/target.json. The publish lands on one worker; every client, on either
 * worker, receives every message on both transports; the clients are on both workers (each
 * session id starts with its worker's pid); a session's later requests reach its own worker;
 * Redis is in the sampled pid tree.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { liveChildren } from '../../run/children.ts';
import { TargetServer } from '../../run/target-server.ts';
import { assertAccounted, completed, runOn, skipUnless, target, tinyParams } from '../helpers/targets.ts';

const skip = skipUnless(['/usr/bin/redis-server'], 'apt-get install redis-server');
// The targets' run folders (os.tmpdir()) go inside this test's folder, so "nothing is left running"
// can tell this file's redis-server (its command line names its folder) from another run's.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-sio-redis-'));
process.env.TMPDIR = dir;
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const redis = target('targets/socket.io-redis/target.json');

describe('Socket.IO with Redis: two workers, every message to every client', { skip }, () => {
  test('websocket: delivered = expected across both workers, bytes agree with the kernel', async () => {
    const params = tinyParams();
    const r = completed(await runOn(redis, 'websocket', params));
    assertAccounted(r, params.clients, 'websocket');
    assert.equal(r.session?.protocol, 'engine.io');
  });

  test('longpoll (Engine.IO polling behind sticky sessions): delivered = expected across both workers, every poll its own connection', async () => {
    const params = tinyParams();
    const r = completed(await runOn(redis, 'longpoll', params));
    assert.equal(r.messages.expected, r.messages.published * params.clients);
    assert.ok(r.messages.published > 0);
    assert.equal(r.messages.delivered, r.messages.expected, 'every published message arrived at every client');
    assert.equal(r.messages.lost, 0);
    assert.equal(r.messages.duplicated, 0);
    assert.equal(r.clientErrors.count, 0, r.clientErrors.first.join('; '));
    assert.equal(r.session?.protocol, 'engine.io');
    assert.equal(r.session?.transport, 'engine.io polling');
    // @socket.io/sticky answers every request with `Connection: close`: the window's server sockets
    // are gone when the kernel is asked, and the result says so rather than claiming agreement.
    assert.equal(r.kernel?.agree, null);
    assert.equal(r.kernel?.unconfirmed, 'sockets-closed');
  });

  describe('where the clients land', () => {
    let server: TargetServer;
    before(async () => {
      if (redis.server.kind !== 'command') throw new Error('the target starts its server');
      server = await TargetServer.start(redis.server.command, redis.origin!, 'socket.io-redis');
    });
    after(() => server.close());

    test('four clients in turn are on both workers, and Redis is in the sampled pid tree', async () => {
      const pids = new Set<string>();
      const sockets: WebSocket[] = [];
      for (let i = 0; i < 4; i++) {
        const ws = new WebSocket(`${server.origin.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket&room=broadcast`);
        sockets.push(ws);
        const open = await new Promise<string>((resolve, reject) => {
          ws.once('message', (data: Buffer) => resolve(data.toString()));
          ws.once('error', reject);
        });
        const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid;
        pids.add(sid.split('-')[0]!);
      }
      for (const ws of sockets) ws.terminate();
      assert.equal(pids.size, 2, `worker pids: ${[...pids].join(', ')}`);
      // Polling: four handshakes in turn open sessions on both workers, and each session's next
      // request (a new connection: keep-alive is off) reaches the worker that holds it.
      const pollPids = new Set<string>();
      for (let i = 0; i < 4; i++) {
        const open = await (await fetch(`${server.origin}/socket.io/?EIO=4&transport=polling&room=broadcast`)).text();
        const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid;
        assert.equal(sid.length, 20, `a sid of the form @socket.io/sticky routes by: ${sid}`);
        pollPids.add(sid.split('-')[0]!);
        const connect = await fetch(`${server.origin}/socket.io/?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '40' });
        assert.equal(connect.status, 200, 'the session was found on its own worker');
        assert.equal(connect.headers.get('connection'), 'close');
        assert.equal(await connect.text(), 'ok');
      }
      assert.equal(pollPids.size, 2, `polling sessions on worker pids: ${[...pollPids].join(', ')}`);
      // The tree under the target's command: sh, redis-server, the cluster's primary and its two workers.
      const names = treeNames(server.pid);
      assert.ok(names.includes('redis-server'), names.join(', '));
      assert.equal(names.filter((n) => n === 'node').length, 3, names.join(', '));
      assert.ok((server.sample()?.rssBytes ?? 0) > 0);
    });
  });

  test('nothing is left running', () => {
    assert.equal(liveChildren(), 0);
    assert.ok(
      !fs.readdirSync('/proc').some((p) => /^\d+$/.test(p) && readComm(p) === 'redis-server' && readCmd(p).includes(dir)),
      'no redis-server of a target left',
    );
  });
});

function readComm(pid: string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

function readCmd(pid: string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** The command names of `root` and every descendant, from /proc. */
function treeNames(root: number): string[] {
  const children = new Map<string, string[]>();
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]!;
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // gone meanwhile
    }
  }
  const names: string[] = [];
  const walk = (pid: string): void => {
    names.push(readComm(pid));
    for (const child of children.get(pid) ?? []) walk(child);
  };
  walk(String(root));
  return names;
}
