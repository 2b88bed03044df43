/**
 * Deliberately broken targets fail with the cause named, and leave nothing running: a wrong
 * path (404), a refused publish, a rejected WebSocket handshake, a closed port, a server command
 * that exits before it is ready (its last output quoted), one that never becomes ready (stopped
 * after its timeout). Real nginx + Nchan where a server is needed; no mocks.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { liveChildren } from '../../run/children.ts';
import type { TechniqueResult } from '../../core/results.ts';
import type { TechniqueId } from '../../core/techniques.ts';
import { runOn, skipUnless, target, tinyParams } from '../helpers/targets.ts';

const skip = skipUnless(['/usr/sbin/nginx', '/usr/share/nginx/modules/ngx_nchan_module.so'], 'apt-get install nginx libnginx-mod-nchan');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-broken-'));
// The targets' run folders (os.tmpdir()) go inside this test's folder, so "nothing left running"
// can tell this file's nginx (its -p names the folder) from another run's on the same machine.
process.env.TMPDIR = dir;
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const NCHAN = fileURLToText('../../targets/nchan/target.json');

function fileURLToText(relative: string): Record<string, any> {
  return JSON.parse(fs.readFileSync(new URL(relative, import.meta.url), 'utf8')) as Record<string, any>;
}

/** A copy of the Nchan target (its start script by absolute path), changed by `edit`, written to a file and loaded. */
function broken(name: string, edit: (file: Record<string, any>) => void) {
  const file = structuredClone(NCHAN);
  file.name = name;
  file.server.command[1] = new URL('../../targets/nchan/start.sh', import.meta.url).pathname;
  edit(file);
  const where = path.join(dir, `${name}.json`);
  fs.writeFileSync(where, JSON.stringify(file));
  return target(where);
}

async function failure(name: string, technique: TechniqueId, edit: (file: Record<string, any>) => void): Promise<string> {
  const result: TechniqueResult = await runOn(broken(name, edit), technique, tinyParams({ clients: 2 }));
  assert.equal(result.state, 'failed', JSON.stringify(result).slice(0, 300));
  return result.state === 'failed' ? result.error : '';
}

/** Processes whose command line holds `marker`. */
function processesWith(marker: string): string[] {
  return fs
    .readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .flatMap((pid) => {
      try {
        const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        return cmdline.includes(marker) && Number(pid) !== process.pid ? [cmdline] : [];
      } catch {
        return [];
      }
    });
}

describe('broken targets', { skip }, () => {
  test('a wrong long-poll path: 404, with the start of the answer', async () => {
    const error = await failure('wrong-path', 'longpoll', (f) => (f.techniques.longpoll.path = '/nope'));
    assert.match(error, /^the target refused a client: GET \/nope answered 404: <html> <head><title>404 Not Found<\/title>/);
  });

  test('a wrong SSE path: 404', async () => {
    const error = await failure('wrong-sse', 'sse', (f) => (f.techniques.sse.path = '/nope'));
    assert.match(error, /GET \/nope answered 404: /);
  });

  test('SSE without Accept: text/event-stream: Nchan answers 403', async () => {
    const error = await failure('no-accept', 'sse', (f) => delete f.techniques.sse.headers);
    assert.match(error, /GET \/sub\/sse\/broadcast answered 403 \(empty body\)/);
  });

  test('a rejected WebSocket handshake: its status', async () => {
    const error = await failure('wrong-ws', 'websocket', (f) => (f.techniques.websocket.path = '/nope'));
    assert.match(error, /WebSocket handshake GET ws:\/\/127\.0\.0\.1:\d+\/nope answered 404: /);
  });

  test('a refused publish: its request and status', async () => {
    const error = await failure('refused-publish', 'websocket', (f) => (f.publish.path = '/sub/poll/{room}'));
    assert.match(error, /^the target refused a publish: POST \/sub\/poll\/broadcast answered 403/);
  });

  test('a publish answered with a status the target does not call accepted', async () => {
    const error = await failure('not-accepted', 'websocket', (f) => (f.publish.accepted = [200]));
    // A 2xx is another protocol's answer, not a refusal: the message says what was accepted instead.
    assert.match(
      error,
      /^the target did not accept a publish: POST \/pub\/broadcast answered 20[12]: queued messages: .* \(accepted: 200\)$/,
    );
  });

  test('a closed port: connection refused', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const error = await failure('closed-port', 'polling', (f) => {
      delete f.server;
      f.origin = `http://127.0.0.1:${port}`;
    });
    assert.match(error, new RegExp(`connect ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
  });

  test('a server command that exits before it is ready: its exit and its last output', async () => {
    const error = await failure(
      'exits',
      'websocket',
      (f) => (f.server.command = ['/bin/sh', '-c', 'echo "loading the module" >&2; echo "emerg: unknown directive nchan_foo" >&2; exit 3']),
    );
    assert.match(
      error,
      /exited with code 3 before it was ready \(http:\/\/127\.0\.0\.1:\d+\/ready\); its last output: loading the module \| emerg: unknown directive nchan_foo$/,
    );
  });

  test('a server command that never becomes ready: stopped after its timeout, nothing left', async () => {
    const marker = `pushbench-never-ready-${process.pid}`;
    const error = await failure('never-ready', 'websocket', (f) => {
      // The marker is the shell's $0, so that its command line names it; its sleep is a child in its group.
      f.server.command = ['/bin/sh', '-c', 'echo "starting $0" >&2; sleep 600', marker];
      f.server.ready = { url: 'http://127.0.0.1:{port}/ready', timeoutMs: 1000 };
    });
    assert.match(
      error,
      new RegExp(
        `did not become ready within 1000 ms: GET http://127\\.0\\.0\\.1:\\d+/ready failed \\(connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+\\); its last output: starting ${marker}$`,
      ),
    );
    assert.deepEqual(processesWith(marker), [], 'the command and its group were stopped');
  });

  test('nothing is left running', () => {
    assert.equal(liveChildren(), 0);
    assert.deepEqual(
      processesWith('nginx: master process').filter((cmdline) => cmdline.includes(dir)),
      [],
    );
  });
});
