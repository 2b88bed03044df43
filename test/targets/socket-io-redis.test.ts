/**
 * Socket.IO as deployed: two cluster workers with the Redis adapter and a Redis (Debian's
 * redis-server) started from targets/socket.io-redis/target.json. The publish lands on one
 * worker; every client, on either worker, receives every message; the clients are on both
 * workers (each session id starts with its worker's pid); Redis is in the sampled pid tree.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { liveChildren } from '../../run/children.ts';
import { TargetServer } from '../../run/target-server.ts';
import { assertAccounted, completed, runOn, skipUnless, target, tinyParams } from '../helpers/targets.ts';

const skip = skipUnless(['/usr/bin/redis-server'], 'apt-get install redis-server');
const redis = target('targets/socket.io-redis/target.json');

describe('Socket.IO with Redis: two workers, every message to every client', { skip }, () => {
  test('websocket: delivered = expected across both workers, bytes agree with the kernel', async () => {
    const params = tinyParams();
    const r = completed(await runOn(redis, 'websocket', params));
    assertAccounted(r, params.clients, 'websocket');
    assert.equal(r.session?.protocol, 'engine.io');
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
      // The tree under the target's command: sh, redis-server, the cluster's primary and its two workers.
      const names = treeNames(server.pid);
      assert.ok(names.includes('redis-server'), names.join(', '));
      assert.equal(names.filter((n) => n === 'node').length, 3, names.join(', '));
      assert.ok((server.sample()?.rssBytes ?? 0) > 0);
    });
  });

  test('nothing is left running', () => {
    assert.equal(liveChildren(), 0);
    // A target's folder goes only once its whole process group is gone: a redis-server naming a
    // folder that no longer exists was left behind (other runs on this machine may have live ones).
    assert.ok(
      !fs
        .readdirSync('/proc')
        .some(
          (p) =>
            /^\d+$/.test(p) &&
            readComm(p) === 'redis-server' &&
            (readCmd(p).match(/\/[^ \0]*pushbench-target-[A-Za-z0-9]+/g) ?? []).some((dir) => !fs.existsSync(dir)),
        ),
      'no redis-server of a finished target left',
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
