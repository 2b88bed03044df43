/**
 * The default suite measures enough: every latency figure of `npm run bench` rests on at
 * least 1,000 samples from at least 10 published messages, and a time-compressed scenario
 * keeps the ratio of poll interval to message gap of the situation it stands for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunArgs } from '../../cli/options.ts';
import { suiteScenarios } from '../../run/scenarios.ts';
import { runsOf } from '../../run/runner.ts';

/** Messages published in a window: the broadcast grid puts the edges halfway between two messages. */
function messagesInWindow(rate: number, durationMs: number): number {
  return Math.round((rate * durationMs) / 1000);
}

test('every suite scenario: at least 10 messages and 1,000 latency samples per technique', () => {
  const specs = suiteScenarios(parseRunArgs([]));
  assert.ok(specs.length >= 6, `the suite has ${specs.length} scenarios`);
  for (const spec of specs) {
    const p = spec.params;
    // Chat: every client publishes `rate` msg/s; each message reaches the roomSize members of its room.
    const messages = p.workload === 'chat' ? messagesInWindow(p.rate * p.clients, p.durationMs) : messagesInWindow(p.rate, p.durationMs);
    const samples = p.workload === 'chat' ? messages * p.roomSize : messages * p.clients;
    assert.ok(messages >= 10, `${spec.id}: ${messages} messages in the window`);
    assert.ok(samples >= 1000, `${spec.id}: ${samples} latency samples`);
  }
});

test('header-overhead stands for 1 msg/s with 1 s polls, run 5x faster; sparse for one message per 5 s', () => {
  const specs = suiteScenarios(parseRunArgs([]));
  const header = specs.find((s) => s.id === 'header-overhead')!;
  assert.equal(header.timeScale, 5);
  // 5 msg/s with 200 ms polls: the interval is one message gap, as 1 msg/s with 1 s polls.
  assert.equal(header.params.rate / header.timeScale!, 1);
  assert.equal(header.params.intervalMs * header.timeScale!, 1000);
  const sparse = specs.find((s) => s.id === 'sparse')!;
  assert.equal(1 / (sparse.params.rate / sparse.timeScale!), 5, 'one message every 5 s');
  assert.equal(sparse.params.intervalMs * sparse.timeScale!, 1000, 'with 1 s polls');
  // The sweep runs at one time scale, so its points differ only in clients.
  const sweep = specs.filter((s) => s.group === 'sweep');
  assert.deepEqual(new Set(sweep.map((s) => `${s.params.rate}/${s.params.intervalMs}/${s.timeScale}`)).size, 1);
  assert.deepEqual(
    sweep.map((s) => s.params.clients),
    [100, 300, 1000],
  );
  // Unscaled where it matters: latency at 1 s polls, chat at 1 msg/s per client.
  assert.equal(specs.find((s) => s.id === 'latency')!.timeScale, undefined);
  assert.equal(specs.find((s) => s.id === 'latency')!.params.intervalMs, 1000);
});

test('a user-set rate or interval makes the suite unscaled, and its titles say nothing of a time scale', () => {
  for (const args of [
    ['--rate', '2'],
    ['--interval', '500ms'],
  ]) {
    const specs = suiteScenarios(parseRunArgs(args));
    for (const spec of specs) {
      assert.equal(spec.timeScale, undefined, `${args.join(' ')}: ${spec.id}`);
      assert.doesNotMatch(spec.title, /faster/);
    }
  }
});

test('sparse measures no floor; the other broadcast scenarios do', () => {
  const specs = suiteScenarios(parseRunArgs([]));
  const floors = (id: string) => runsOf(specs.find((s) => s.id === id)!).filter((r) => r.floor).length;
  assert.equal(floors('sparse'), 0);
  assert.equal(floors('header-overhead'), 1);
  assert.equal(floors('sweep-1000'), 1);
});

test('header-overhead is measured on h2 too, right after http, without a floor; naming --wire measures only the wires named', () => {
  const ids = (args: string[]) => suiteScenarios(parseRunArgs(args)).map((s) => `${s.id}@${s.params.wire}`);
  for (const args of [[], ['--quick']]) {
    const list = ids(args);
    assert.equal(list.indexOf('header-overhead-h2@h2'), list.indexOf('header-overhead@http') + 1, args.join(' '));
  }
  const h2 = suiteScenarios(parseRunArgs([])).find((s) => s.id === 'header-overhead-h2')!;
  assert.equal(runsOf(h2).filter((r) => r.floor).length, 0);
  assert.deepEqual(h2.techniques, ['polling', 'longpoll', 'sse', 'websocket']);
  assert.equal(
    ids(['--wire', 'http']).some((id) => id.endsWith('@h2')),
    false,
  );
  assert.deepEqual(ids(['--wire', 'h2', '--quick']), ['header-overhead-h2@h2', 'chat-h2@h2']);
});
