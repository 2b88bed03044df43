/**
 * A load generator killed mid-run fails its technique with a message naming that
 * generator process; the next technique still runs and no process is left.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TECHNIQUES } from '../../core/protocol.ts';
import type { CompletedResult } from '../../core/results.ts';
import { liveChildren } from '../../run/children.ts';
import { runScenarios } from '../../run/runner.ts';
import { isAlive } from '../helpers/processes.ts';
import { tinyParams } from '../helpers/tiny-params.ts';

test('killing a generator fails its technique naming the generator; the others continue', { timeout: 120_000 }, async () => {
  const [victim, next] = TECHNIQUES.slice(0, 2) as [(typeof TECHNIQUES)[number], (typeof TECHNIQUES)[number]];
  const killed: number[] = [];
  const [scenario] = await runScenarios(
    [{ id: 'kill', group: 'kill', title: 'kill', description: '', params: tinyParams({ durationMs: 3000 }), techniques: [victim, next] }],
    {
      signal: new AbortController().signal,
      generators: 2,
      progress: () => {},
      onGenerators: (technique, generators) => {
        if (technique !== victim) return;
        const generator = generators[1]!;
        killed.push(generator.pid!);
        generator.kill('SIGKILL');
      },
    },
  );
  assert.equal(killed.length, 1);
  const result = scenario!.results[victim]!;
  assert.equal(result.state, 'failed');
  assert.match((result as { error: string }).error, new RegExp(`^load generator ${killed[0]} was killed by SIGKILL`));
  const other = scenario!.results[next]! as CompletedResult;
  assert.equal(other.state, 'completed', (other as { error?: string }).error);
  assert.equal(other.messages.delivered, other.messages.expected);
  assert.equal(isAlive(killed[0]!), false);
  assert.equal(liveChildren(), 0);
});
