/**
 * Many tabs of one origin with SSE (`--tabs`): over HTTP/1.1 the driver applies the browser's 6
 * connections per origin, so of 8 tabs the seventh and eighth EventSource wait and get nothing;
 * over HTTP/2 the 8 tabs are streams of one connection and all get every message. End to end on
 * real sockets, with the flag's bad inputs.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseRunArgs } from '../../cli/options.ts';
import type { CompletedResult, TechniqueResult } from '../../core/results.ts';
import { runTechnique } from '../../run/technique-run.ts';
import { BROWSER_CONNECTIONS_PER_ORIGIN } from '../../load/wire-clients.ts';
import { tinyParams } from '../helpers/tiny-params.ts';

const TABS = 8;

function completed(result: TechniqueResult): CompletedResult {
  assert.equal(result.state, 'completed', result.state === 'completed' ? '' : result.error);
  return result as CompletedResult;
}

describe(`one browser, ${TABS} tabs of one origin, each with an EventSource`, () => {
  const params = tinyParams({ clients: TABS, tabs: TABS, rate: 10, durationMs: 500, warmupMs: 100 });

  test(`on http: ${BROWSER_CONNECTIONS_PER_ORIGIN} tabs get every message, the other ${TABS - BROWSER_CONNECTIONS_PER_ORIGIN} wait the whole window and get none`, async () => {
    const result = completed(
      await runTechnique('sse', { ...params, wire: 'http' }, { signal: new AbortController().signal, generators: 1, progress: () => {} }),
    );
    const perClient = result.messages.expected / TABS;
    assert.ok(perClient >= 4, `${perClient} messages per tab`);
    assert.equal(result.messages.delivered, BROWSER_CONNECTIONS_PER_ORIGIN * perClient);
    assert.equal(result.messages.lost, (TABS - BROWSER_CONNECTIONS_PER_ORIGIN) * perClient);
    assert.deepEqual({ ...result.browsers!, note: undefined }, { tabs: TABS, connectionsPerOrigin: 6, waiting: 2, note: undefined });
    assert.match(result.browsers!.note, /the driver applied the browser's 6 connections per origin on HTTP\/1\.1/);
    // Only 6 streams were opened: the server saw 6 connections.
    assert.equal(result.server?.connections, BROWSER_CONNECTIONS_PER_ORIGIN);
  });

  test('on h2: the tabs are streams of one connection, every tab gets every message', async () => {
    const result = completed(
      await runTechnique('sse', { ...params, wire: 'h2' }, { signal: new AbortController().signal, generators: 1, progress: () => {} }),
    );
    assert.ok(result.messages.expected > 0);
    assert.equal(result.messages.delivered, result.messages.expected);
    assert.equal(result.browsers?.waiting, 0);
    assert.equal(result.browsers?.connectionsPerOrigin, null);
    assert.equal(result.server?.connections, 1);
  });
});

describe('--tabs bad input', () => {
  test('a technique that does not stream over HTTP is refused, naming it and the ones allowed', () => {
    assert.throws(
      () => parseRunArgs(['--tabs', '8', '--technique', 'sse,websocket']),
      /invalid --technique with --tabs 8: received "websocket"; --tabs measures techniques that stream over HTTP, which a browser's connections per origin limit: sse/,
    );
  });

  test('without --technique, only the techniques it applies to run', () => {
    assert.deepEqual(parseRunArgs(['--tabs', '8']).techniques, ['sse']);
  });

  test('0 tabs and the chat workload are refused', () => {
    assert.throws(() => parseRunArgs(['--tabs', '0']), /--tabs/);
    assert.throws(() => parseRunArgs(['--tabs', '8', '--workload', 'chat']), /invalid --workload with --tabs 8: received "chat"/);
  });
});
