/**
 * The machine's floor in a run: a broadcast scenario also measures the bare `ws` broadcast
 * with the same generator and clients, and every result carries the publisher's lateness.
 * Tiny windows: wiring, not speed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { liveChildren } from '../../run/children.ts';
import { measuresFloor, runScenarios } from '../../run/runner.ts';
import { messageBytesFor } from '../../run/scenarios.ts';
import type { CompletedResult, ScenarioParams } from '../../core/results.ts';
import type { ProgressEvent } from '../../run/progress.ts';

function params(overrides: Partial<ScenarioParams> = {}): ScenarioParams {
  const base = {
    workload: 'broadcast' as const,
    clients: 5,
    rate: 20,
    payloadBytes: 32,
    intervalMs: 100,
    holdMs: 30_000,
    durationMs: 400,
    warmupMs: 100,
    headers: 'minimal' as const,
    roomSize: 5,
    target: null,
    ...overrides,
  };
  return { ...base, messageBytes: messageBytesFor(base) };
}

const options = { signal: new AbortController().signal, generators: null, progress: () => {} };

test('a broadcast scenario measures the floor beside its techniques, the same way', async () => {
  const events: ProgressEvent[] = [];
  const [scenario] = await runScenarios([{ id: 'b', group: 'b', title: 'b', description: '', params: params(), techniques: ['sse'] }], {
    ...options,
    progress: (e) => events.push(e),
  });
  // The floor is one more run of the session, announced as such, with the websocket clients.
  assert.deepEqual(
    events.filter((e) => e.phase === 'starting').map((e) => [e.technique, e.floor ?? false, e.total]),
    [
      ['sse', false, 2],
      ['websocket', true, 2],
    ],
  );
  const floor = scenario!.floor as CompletedResult;
  assert.equal(floor.state, 'completed', JSON.stringify(floor));
  assert.ok(floor.messages.published > 0);
  assert.equal(floor.messages.delivered, floor.messages.expected);
  assert.equal(floor.latencyMs.count, floor.messages.delivered);
  assert.ok(floor.agreement?.agree, JSON.stringify(floor.agreement));
  // A bare ws frame: 2 bytes of header per message, nothing up.
  assert.equal(floor.perMessage.overheadBytes, 2);
  for (const result of [floor, scenario!.results.sse as CompletedResult]) {
    assert.equal(result.publisher?.side, 'server');
    assert.equal(result.publisher?.latenessMs.count, result.messages.published, 'one lateness sample per message of the window');
    assert.ok(result.publisher!.busyWaitCpuPercent >= 0);
  }
  assert.equal(liveChildren(), 0);
});

test('chat and foreign targets get no floor: a bare broadcast cannot stand in for them', async () => {
  assert.equal(measuresFloor(params()), true);
  assert.equal(measuresFloor(params({ workload: 'chat' })), false);
  assert.equal(measuresFloor(params({ target: 'http://127.0.0.1:1' })), false);
  const [scenario] = await runScenarios(
    [
      {
        id: 'c',
        group: 'c',
        title: 'c',
        description: '',
        params: params({ workload: 'chat', rate: 2, clients: 4, roomSize: 2 }),
        techniques: ['websocket'],
      },
    ],
    options,
  );
  assert.equal(scenario!.floor, undefined);
  const ws = scenario!.results.websocket as CompletedResult;
  assert.equal(ws.publisher?.side, 'clients');
  assert.equal(ws.publisher?.latenessMs.count, ws.messages.published, 'each client message of the window has its lateness');
});
