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
    workload: 'broadcast' as const, clients: 2, rate: 20, payloadBytes: 16, intervalMs: 100, holdMs: 30_000,
    durationMs: 200, warmupMs: 50, headers: 'minimal' as const, roomSize: 2, target: null,
  };
  const params: ScenarioParams = { ...base, messageBytes: messageBytesFor(base) };
  const techniques = TECHNIQUES.slice(-2);
  const events: ProgressEvent[] = [];
  await runScenarios([{ id: 'tiny', group: 'tiny', title: 'tiny', description: '', params, techniques }], {
    signal: new AbortController().signal,
    generators: null,
    progress: (event) => events.push(event),
  });

  const summary = events.map((e) => [e.scenario, e.technique, e.phase, e.done, e.total, e.state ?? null]);
  assert.deepEqual(summary, [
    ['tiny', techniques[0], 'starting', 0, 2, null],
    ['tiny', techniques[0], 'connecting', 0, 2, null],
    ['tiny', techniques[0], 'measuring', 0, 2, null],
    ['tiny', techniques[0], 'finished', 1, 2, 'completed'],
    ['tiny', techniques[1], 'starting', 1, 2, null],
    ['tiny', techniques[1], 'connecting', 1, 2, null],
    ['tiny', techniques[1], 'measuring', 1, 2, null],
    ['tiny', techniques[1], 'finished', 2, 2, 'completed'],
  ]);
  assert.equal(events[1]!.detail, 'connecting 2 clients (1 generator process)');
  assert.equal(events[2]!.detail, 'warming up 50 ms, measuring 200 ms');
  assert.equal(events[3]!.detail, 'completed');
  // The words carry no counters: the counts are fields, not text to parse back.
  for (const event of events) assert.doesNotMatch(event.detail, /\(\d+\/\d+\)/);
  assert.equal(liveChildren(), 0);
});
