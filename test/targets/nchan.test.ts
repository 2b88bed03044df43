/**
 * End-to-end against real nginx + Nchan (Debian's nginx and libnginx-mod-nchan, installed by
 * .ci/run), started by pushbench from targets/nchan/target.json: every technique it offers
 * delivers every published message, loses none, and its bytes agree with the kernel's.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { liveChildren } from '../../run/children.ts';
import { TargetServer } from '../../run/target-server.ts';
import { assertAccounted, completed, runOn, skipUnless, target, tinyParams } from '../helpers/targets.ts';

const skip = skipUnless(['/usr/sbin/nginx', '/usr/share/nginx/modules/ngx_nchan_module.so'], 'apt-get install nginx libnginx-mod-nchan');
const nchan = target('targets/nchan/target.json');

describe('Nchan: every technique accounts for every message', { skip }, () => {
  for (const technique of nchan.techniques) {
    test(technique, async () => {
      const params = tinyParams();
      const r = completed(await runOn(nchan, technique, params));
      assertAccounted(r, params.clients, technique);
      if (r.requests !== null) assert.ok(r.requests.total > 0);
    });
  }

  test('nothing is left running', () => {
    assert.equal(liveChildren(), 0);
  });
});

test('Nchan offers the four techniques on one channel', () => {
  assert.deepEqual([...nchan.techniques].sort(), ['longpoll', 'polling', 'sse', 'websocket']);
});

describe('Nchan over TLS (https) and HTTP/2 + TLS (h2), on a certificate pushbench makes and verifies', { skip }, () => {
  for (const wire of ['https', 'h2'] as const) {
    const offered = nchan.wires?.[wire] ?? [];
    for (const technique of offered) {
      test(`${technique} on ${wire}`, async () => {
        const params = tinyParams({ wire });
        const r = completed(await runOn(nchan, technique, params));
        // Delivered = expected, and the clients' TCP bytes (TLS records included) equal the kernel's for nginx's port.
        assertAccounted(r, params.clients, technique);
      });
    }
  }

  test('h2 carries polling, long polling and SSE; nginx 1.22 has no WebSocket over HTTP/2 (RFC 8441)', () => {
    assert.deepEqual(nchan.wires?.h2, ['polling', 'longpoll', 'sse']);
    assert.deepEqual(nchan.wires?.https, ['polling', 'longpoll', 'sse', 'websocket']);
  });

  test('nothing is left running', () => {
    assert.equal(liveChildren(), 0);
  });
});

describe('Nchan with NCHAN_WORKERS=2: two workers on one port (reuseport), one channel between them', { skip }, () => {
  const saved = process.env.NCHAN_WORKERS;
  const withWorkers = async <T>(value: string, fn: () => Promise<T>): Promise<T> => {
    process.env.NCHAN_WORKERS = value;
    try {
      return await fn();
    } finally {
      if (saved === undefined) delete process.env.NCHAN_WORKERS;
      else process.env.NCHAN_WORKERS = saved;
    }
  };

  test('the master and two workers run, and are the tree pushbench samples', async () => {
    const launch = nchan.server;
    if (launch.kind !== 'command') throw new Error('the Nchan target starts its server');
    const server = await withWorkers('2', () => TargetServer.start(launch.command, nchan.origin!, 'nchan'));
    try {
      assert.equal(server.sample()?.processes, 3);
    } finally {
      await server.close();
    }
  });

  // 24 WebSocket subscribers spread over the two workers by the kernel; the publish lands on one of them.
  test('every subscriber, on either worker, receives every message', async () => {
    const params = tinyParams({ clients: 24 });
    const r = completed(await withWorkers('2', () => runOn(nchan, 'websocket', params)));
    assertAccounted(r, params.clients, 'websocket');
  });

  test('a bad worker count fails the technique, naming the value and the range', async () => {
    const result = await withWorkers('0', () => runOn(nchan, 'websocket', tinyParams()));
    assert.equal(result.state, 'failed');
    assert.match(JSON.stringify(result), /NCHAN_WORKERS must be a whole number of workers from 1 to 64; received '0'/);
  });

  test('nothing is left running', () => {
    assert.equal(liveChildren(), 0);
  });
});
