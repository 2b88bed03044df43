/**
 * A real session reports structured progress events: per technique run `starting`,
 * `connecting`, `measuring`, `finished`, with the scenario, the technique and the counts a
 * bar needs; nothing is formatted into text that a listener would have to parse back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TECHNIQUES } from '../../core/protocol.ts';
import type { ScenarioParams } from '../../core/results.ts';
import { liveChildren } from '../../run/children.ts';
import type { ProgressEvent } from '../../run/progress.ts';
import { runScenarios } from '../../run/runner.ts';
import { messageBytesFor } from '../../run/scenarios.ts';

test('runScenarios emits every phase of every technique run with done/total counts', async () => {
  const base = {
    workload: 'broadcast' as const,
    clients: 2,
    rate: 20,
    payloadBytes: 16,
    intervalMs: 100,
    holdMs: 30_000,
    durationMs: 200,
    warmupMs: 50,
    headers: 'minimal' as const,
    roomSize: 2,
    target: null,
  };
  const params: ScenarioParams = { ...base, messageBytes: messageBytesFor(base) };
  const techniques = TECHNIQUES.slice(-2);
  const events: ProgressEvent[] = [];
  await runScenarios([{ id: 'tiny', group: 'tiny', title: 'tiny', description: '', params, techniques }], {
    signal: new AbortController().signal,
    generators: null,
    progress: (event) => events.push(event),
  });

  // A broadcast scenario's last run is the machine's floor: a bare ws broadcast with websocket clients.
  const runs: Array<[string, boolean]> = [
    [techniques[0]!, false],
    [techniques[1]!, false],
    ['websocket', true],
  ];
  const at = (technique: string, floor: boolean, phase: string): number =>
    events.findIndex((e) => e.technique === technique && (e.floor ?? false) === floor && e.phase === phase);
  for (const [i, [technique, floor]] of runs.entries()) {
    const own = events.filter((e) => e.technique === technique && (e.floor ?? false) === floor);
    assert.deepEqual(
      own.map((e) => [e.scenario, e.phase, e.done, e.total, e.state ?? null]),
      [
        ['tiny', 'starting', i, 3, null],
        ['tiny', 'connecting', i, 3, null],
        ['tiny', 'measuring', i, 3, null],
        ['tiny', 'finished', i + 1, 3, 'completed'],
      ],
      `${technique}${floor ? ' (floor)' : ''}`,
    );
    // The next run may connect while this one closes, but its warm-up and window start only after this one has finished.
    if (i > 0) {
      const [previous, previousFloor] = runs[i - 1]!;
      assert.ok(
        at(technique, floor, 'measuring') > at(previous, previousFloor, 'finished'),
        `${technique} measured only after ${previous} finished`,
      );
    }
  }
  assert.deepEqual(
    events.filter((e) => e.phase === 'finished').map((e) => e.done),
    [1, 2, 3],
    'finished in run order',
  );
  assert.equal(events[at(techniques[0]!, false, 'connecting')]!.detail, 'connecting 2 clients (1 generator process)');
  assert.equal(events[at(techniques[0]!, false, 'measuring')]!.detail, 'warming up 50 ms, measuring 200 ms');
  assert.equal(events[at(techniques[0]!, false, 'finished')]!.detail, 'completed');
  // The words carry no counters: the counts are fields, not text to parse back.
  for (const event of events) assert.doesNotMatch(event.detail, /\(\d+\/\d+\)/);
  assert.equal(liveChildren(), 0);
});
