/** The run's server's headers timeout grows with the run's size, as the clients' handshake timeout does. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headersTimeoutFor } from '../../run/prepare-run.ts';

test('10 s up to 10,000 clients, then 1 ms per client, 60 s at most', () => {
  assert.equal(headersTimeoutFor(1), 10_000);
  assert.equal(headersTimeoutFor(10_000), 10_000);
  assert.equal(headersTimeoutFor(10_001), 10_001);
  assert.equal(headersTimeoutFor(40_000), 40_000);
  assert.equal(headersTimeoutFor(60_000), 60_000);
  assert.equal(headersTimeoutFor(100_000), 60_000);
});
