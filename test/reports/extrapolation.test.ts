import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildExtrapolation, extrapolateMbps, PUBLISHED_2010 } from '../../reports/extrapolation.ts';
import { renderAll } from '../../reports/index.ts';
import { completedOf, loadFixture, rowCells, sectionById } from './helpers.ts';

test('bytes per client per second × 8 × clients, in 10^6 bits per second', () => {
  // 1,000 B/s per client: 8,000 bit/s per client, so 8 Mbit/s for 1,000 clients.
  assert.equal(extrapolateMbps(1000, 1_000), 8);
  assert.equal(extrapolateMbps(1000, 10_000), 80);
  assert.equal(extrapolateMbps(1000, 100_000), 800);
  // The 2010 polling case: 871 B a second per client.
  assert.equal(extrapolateMbps(871, 1_000), 6.968);
  assert.equal(extrapolateMbps(0, 100_000), 0);
});

test('the published 2010 figures are the 871-byte and 2-byte cases divided by 2^20', () => {
  const [polling, websocket] = PUBLISHED_2010;
  for (const [row, bytes] of [
    [polling, 871],
    [websocket, 2],
  ] as const) {
    assert.equal(row?.bytesPerMessage, bytes);
    row?.mbps.forEach((published, i) => {
      const clients = [1_000, 10_000, 100_000][i] ?? 0;
      const exact = (bytes * 8 * clients) / 1_048_576;
      // Published rounded to the digits shown: within half a unit of the last one.
      const decimals = String(published).split('.')[1]?.length ?? 0;
      assert.ok(Math.abs(exact - published) <= 0.5 * 10 ** -decimals + 1e-12, `${bytes} B × ${clients}: ${exact} vs ${published}`);
    });
  }
});

test('the table uses the header-overhead scenario and renders hand-computed Mbit/s', async () => {
  const results = loadFixture();
  completedOf(results, 'header-overhead', 'websocket').perClientBytesPerSecond = 1000;
  completedOf(results, 'header-overhead', 'polling').perClientBytesPerSecond = 250;
  const table = buildExtrapolation(results);
  assert.equal(table?.scenarioId, 'header-overhead');
  assert.deepEqual(table?.rows.find((r) => r.technique === 'websocket')?.mbps, [8, 80, 800]);
  assert.deepEqual(table?.rows.find((r) => r.technique === 'polling')?.mbps, [2, 20, 200]);

  const [file] = await renderAll(results, ['html']);
  const section = sectionById(String(file?.content), 'extrapolation');
  assert.deepEqual(rowCells(section, 'WebSocket'), ['1,000 B/s', '8.00', '80.0', '800']);
  assert.deepEqual(rowCells(section, 'Short polling'), ['250 B/s', '2.00', '20.0', '200']);
});

test('without a header-overhead scenario it falls back to the first broadcast scenario, and shows failures', () => {
  const results = loadFixture();
  results.scenarios = results.scenarios.filter((s) => s.id !== 'header-overhead');
  results.scenarios.unshift(structuredClone(results.scenarios.find((s) => s.id === 'chat')!));
  results.scenarios[0]!.id = 'chat-first';
  results.scenarios[0]!.group = 'chat-first';
  // sweep-10 is now the first broadcast scenario; make one of its techniques fail.
  const sweep = results.scenarios.find((s) => s.id === 'sweep-10')!;
  sweep.results.sse = { state: 'failed', error: 'boom' };
  const table = buildExtrapolation(results);
  assert.equal(table?.scenarioId, 'sweep-10');
  assert.deepEqual(
    table?.rows.find((r) => r.technique === 'sse'),
    { technique: 'sse', perClientBytesPerSecond: null, mbps: [], error: 'boom' },
  );
  assert.equal(table?.rows.find((r) => r.technique === 'polling')?.perClientBytesPerSecond, 4374);
});

test('no broadcast scenario: no table', () => {
  const results = loadFixture();
  results.scenarios = results.scenarios.filter((s) => s.params.workload === 'chat');
  assert.equal(buildExtrapolation(results), null);
});
