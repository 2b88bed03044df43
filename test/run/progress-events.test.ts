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

  const summary = events.map((e) => [e.scenario, e.technique, e.floor ?? false, e.phase, e.done, e.total, e.state ?? null]);
  // A broadcast scenario's last run is the machine's floor: a bare ws broadcast with websocket clients.
  assert.deepEqual(summary, [
    ['tiny', techniques[0], false, 'starting', 0, 3, null],
    ['tiny', techniques[0], false, 'connecting', 0, 3, null],
    ['tiny', techniques[0], false, 'measuring', 0, 3, null],
    ['tiny', techniques[0], false, 'finished', 1, 3, 'completed'],
    ['tiny', techniques[1], false, 'starting', 1, 3, null],
    ['tiny', techniques[1], false, 'connecting', 1, 3, null],
    ['tiny', techniques[1], false, 'measuring', 1, 3, null],
    ['tiny', techniques[1], false, 'finished', 2, 3, 'completed'],
    ['tiny', 'websocket', true, 'starting', 2, 3, null],
    ['tiny', 'websocket', true, 'connecting', 2, 3, null],
    ['tiny', 'websocket', true, 'measuring', 2, 3, null],
    ['tiny', 'websocket', true, 'finished', 3, 3, 'completed'],
  ]);
  assert.equal(events[1]!.detail, 'connecting 2 clients (1 generator process)');
  assert.equal(events[2]!.detail, 'warming up 50 ms, measuring 200 ms');
  assert.equal(events[3]!.detail, 'completed');
  // The words carry no counters: the counts are fields, not text to parse back.
  for (const event of events) assert.doesNotMatch(event.detail, /\(\d+\/\d+\)/);
  assert.equal(liveChildren(), 0);
});
