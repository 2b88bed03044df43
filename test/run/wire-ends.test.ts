/**
 * `--server-parts` through the runner (params.serverParts → the server child's taps → its stats
 * → settleBytes → wireParts.ends): tiny runs, one technique on each wire, where both ends' parts,
 * read where "bytes agree" is read, must be equal part by part and direction by direction.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CompletedResult } from '../../core/results.ts';
import type { TechniqueId } from '../../core/techniques.ts';
import type { WireId } from '../../core/wires.ts';
import { runTechnique } from '../../run/technique-run.ts';
import { tinyParams } from '../helpers/tiny-params.ts';

describe('--server-parts: both ends count every part, and they agree', () => {
  const params = tinyParams({ clients: 2, rate: 10, intervalMs: 200, durationMs: 600, warmupMs: 200, serverParts: true });
  const cases: ReadonlyArray<readonly [TechniqueId, WireId]> = [
    ['websocket', 'http'],
    ['polling', 'https'],
    ['websocket', 'h2'],
    ['sse', 'h2c'],
  ];
  for (const [technique, wire] of cases) {
    test(`${technique} on ${wire}`, async () => {
      const result = await runTechnique(
        technique,
        { ...params, wire },
        { signal: new AbortController().signal, generators: 1, progress: () => {} },
      );
      assert.equal(result.state, 'completed', result.state === 'completed' ? '' : result.error);
      const completed = result as CompletedResult;
      assert.equal(completed.agreement?.agree, true, 'TCP bytes agree');
      const ends = completed.wireParts?.ends;
      assert.ok(ends !== undefined, 'both ends counted the parts');
      assert.deepEqual(ends.differing, []);
      assert.equal(ends.agree, true);
      assert.deepEqual(ends.server, ends.client);
      // The clients' connections, and on a tapped wire the round-trip probe's too.
      assert.ok(ends.client.setup.connections >= params.clients);
      if (technique === 'websocket') assert.ok(ends.client.setup.upgradeUp > 0 && ends.client.setup.upgradeDown > 0);
      if (wire === 'https' || wire === 'h2') assert.ok(ends.client.setup.tlsTicketsDown > 0);
    });
  }
});
