/**
 * Django Channels as deployed, started from targets/django-channels-redis/target.json: Redis
 * (Debian's redis-server), two daphne processes with channels_redis, nginx in front. Every
 * technique delivers every published message to every client, the polling ones reading one
 * history across both processes; subscribers are on both processes and each receives every
 * message published on the first (each daphne's /stats, asked on its own socket, says so); chat
 * rooms span both processes; Redis,
 * both daphnes and nginx are in the sampled pid tree; a daphne that dies ends the deployment; and
 * nothing is left running.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { liveChildren } from '../../run/children.ts';
import { TargetServer } from '../../run/target-server.ts';
import { assertAccounted, assertWholeAndKernelAgrees, completed, runOn, skipUnless, target, tinyParams } from '../helpers/targets.ts';

const skip = skipUnless(
  ['/usr/bin/daphne', '/usr/bin/redis-server', '/usr/sbin/nginx', '/usr/lib/python3/dist-packages/channels_redis'],
  'apt-get install python3-django python3-django-channels python3-channels-redis daphne redis-server nginx',
);
const deployed = target('targets/django-channels-redis/target.json');

describe('Django Channels with Redis: two daphnes, every message to every client', { skip }, () => {
  for (const technique of deployed.techniques) {
    test(technique, async () => {
      const params = tinyParams();
      const r = completed(await runOn(deployed, technique, params));
      assertAccounted(r, params.clients, technique);
      assert.ok(r.perMessage.downOverheadBytes > 0);
    });
  }

  test('chat over WebSocket: each room has a member on each daphne, every accepted frame reaches both members', async () => {
    // Four clients, rooms of two (clients 0-1 and 2-3), connected in turn: round-robin puts the two members of a room on different processes.
    const params = tinyParams({ workload: 'chat', clients: 4, roomSize: 2, rate: 2 });
    const r = completed(await runOn(deployed, 'websocket', params));
    assert.ok(r.messages.published > 0);
    assert.equal(r.messages.expected, r.messages.published * 2);
    assert.equal(r.messages.delivered, r.messages.expected);
    assert.equal(r.messages.outOfOrder, 0);
    assertWholeAndKernelAgrees(r);
  });

  describe('where the subscribers land', () => {
    let server: TargetServer;
    before(async () => {
      if (deployed.server.kind !== 'command') throw new Error('the target starts its server');
      server = await TargetServer.start(deployed.server.command, deployed.origin!, 'django-channels-redis');
    });
    after(() => server.close());

    test('subscribers in turn are on both daphnes, and each receives every message published on the first', async () => {
      const tree = processTree(server.pid);
      const sockets = tree.flatMap((p) => (p.comm === 'python3' ? [argAfter(p.cmdline, '-u')] : []));
      assert.equal(sockets.length, 2, `two daphnes: ${tree.map((p) => p.cmdline.join(' ')).join(' | ')}`);
      // Redis, both daphnes, nginx's master and its worker: one tree under the target's command.
      const names = tree.map((p) => p.comm).sort();
      assert.deepEqual(names, ['bash', 'nginx', 'nginx', 'python3', 'python3', 'redis-server']);
      assert.ok((server.sample()?.rssBytes ?? 0) > 0);

      // Four WebSockets then two event streams, one at a time: nginx's round-robin alternates.
      const received: number[] = [];
      const closers: Array<() => void> = [];
      for (let i = 0; i < 4; i++) {
        const slot = received.push(0) - 1;
        const ws = new WebSocket(`${server.origin.replace('http', 'ws')}/ws/broadcast`);
        await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
        ws.on('message', () => received[slot]!++);
        closers.push(() => ws.terminate());
      }
      for (let i = 0; i < 2; i++) {
        const slot = received.push(0) - 1;
        const request = http.get(`${server.origin}/sse/broadcast`, { agent: false });
        const response = await new Promise<http.IncomingMessage>((resolve, reject) =>
          request.once('response', resolve).once('error', reject),
        );
        response.setEncoding('utf8');
        // The first body part is ": subscribed": the stream is in the group from then on.
        await new Promise((resolve) => response.once('data', resolve));
        response.on('data', (chunk: string) => (received[slot]! += chunk.split('\ndata: ').length - 1));
        closers.push(() => request.destroy());
      }
      const published = 5;
      for (let seq = 1; seq <= published; seq++) {
        const status = await post(`${server.origin}/publish/broadcast`, JSON.stringify({ seq, t: 0, data: 'x' }));
        assert.equal(status, 204);
      }
      for (let i = 0; i < 200 && received.some((n) => n < published); i++) await new Promise((resolve) => setTimeout(resolve, 25));
      assert.deepEqual(received, [published, published, published, published, published, published], 'every client got every message');

      const stats = await Promise.all(sockets.map((socketPath) => getJson(socketPath, '/stats')));
      assert.notEqual(stats[0]!.pid, stats[1]!.pid);
      // Published on the first only; three subscribers on each (two WebSockets, one stream), each sent every message.
      assert.deepEqual(
        stats.map(({ published, subscribers, sent }) => ({ published, subscribers, sent })),
        [
          { published, subscribers: 3, sent: 3 * published },
          { published: 0, subscribers: 3, sent: 3 * published },
        ],
      );
      for (const close of closers) close();
    });

    test('a daphne that dies ends the deployment: the command exits and names it', async () => {
      const daphne = processTree(server.pid).find((p) => p.comm === 'python3' && argAfter(p.cmdline, '-u').endsWith('daphne-1.sock'));
      assert.ok(daphne !== undefined);
      process.kill(daphne.pid, 'SIGKILL');
      const exit = await server.unexpectedExit;
      assert.match(exit.message, /exited with code 1/);
      assert.match(exit.message, /a process of the deployment exited/);
    });
  });

  test('nothing is left running', () => {
    assert.equal(liveChildren(), 0);
    // A target's folder goes only once its whole process group is gone, so a process naming a
    // folder that no longer exists was left behind. (Other runs on this machine may have live
    // targets of their own: their folders still exist.)
    const left = fs
      .readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .map((p) => readCmd(p))
      .filter((cmd) => /redis-server|daphne|nginx/.test(cmd))
      .filter((cmd) => (cmd.match(/\/[^ ]*pushbench-target-[A-Za-z0-9]+/g) ?? []).some((dir) => !fs.existsSync(dir)));
    assert.deepEqual(left, [], 'no redis-server, daphne or nginx of a finished target left');
  });
});

function post(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.once('error', reject);
    request.end(body);
  });
}

interface DaphneStats {
  pid: number;
  published: number;
  subscribers: number;
  sent: number;
}

/** GET `path` of the daphne listening on `socketPath`, straight, not through nginx. */
function getJson(socketPath: string, path: string): Promise<DaphneStats> {
  return new Promise((resolve, reject) => {
    http
      .get({ socketPath, path, agent: false }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (c: string) => (text += c));
        response.on('end', () => resolve(JSON.parse(text) as DaphneStats));
      })
      .once('error', reject);
  });
}

function argAfter(args: readonly string[], flag: string): string {
  return args[args.indexOf(flag) + 1] ?? '';
}

function readFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function readCmd(pid: string): string {
  return readFile(`/proc/${pid}/cmdline`).replaceAll('\0', ' ');
}

/** `root` and every descendant, from /proc: pid, command name, arguments. */
function processTree(root: number): Array<{ pid: number; comm: string; cmdline: string[] }> {
  const children = new Map<string, string[]>();
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    const stat = readFile(`/proc/${pid}/stat`);
    if (stat === '') continue;
    const ppid = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]!;
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out: Array<{ pid: number; comm: string; cmdline: string[] }> = [];
  const walk = (pid: string): void => {
    out.push({ pid: Number(pid), comm: readFile(`/proc/${pid}/comm`).trim(), cmdline: readFile(`/proc/${pid}/cmdline`).split('\0') });
    for (const child of children.get(pid) ?? []) walk(child);
  };
  walk(String(root));
  return out;
}
