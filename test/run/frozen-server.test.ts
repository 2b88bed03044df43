/**
 * A server child that stops answering (SIGSTOP) fails its technique with a message that
 * names the process, the request and the time waited; the next technique still runs and
 * no process is left. Before IPC requests had a timeout, this run waited forever.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TECHNIQUES } from '../../core/protocol.ts';
import type { CompletedResult } from '../../core/results.ts';
import { liveChildren } from '../../run/children.ts';
import { runScenarios } from '../../run/runner.ts';
import type { FeedServerHandle } from '../../run/server-process.ts';
import { isAlive, killQuietly } from '../helpers/processes.ts';
import { tinyParams } from '../helpers/tiny-params.ts';

const REQUEST_TIMEOUT_MS = 2000;

test('a frozen server child fails its technique with "did not answer stats", the others still run, nothing is left', {
  timeout: 120_000,
}, async () => {
  const [frozen, next] = TECHNIQUES.slice(-2) as [(typeof TECHNIQUES)[number], (typeof TECHNIQUES)[number]];
  const servers = new Map<string, FeedServerHandle>();
  let frozenPid: number | undefined;
  try {
    const [scenario] = await runScenarios(
      [
        {
          id: 'frozen',
          group: 'frozen',
          title: 'frozen',
          description: '',
          params: tinyParams({ durationMs: 2000 }),
          techniques: [frozen, next],
        },
      ],
      {
        signal: new AbortController().signal,
        generators: null,
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
        // The first server of each technique: a broadcast scenario's floor run (a bare ws server with plain WebSocket clients) comes after.
        onServer: (technique, server) => void (servers.has(technique) || servers.set(technique, server)),
        progress: (event) => {
          // Stopped right after the window is announced: the next request is the stats sample at the window's start.
          if (event.technique === frozen && event.phase === 'measuring' && event.floor !== true) {
            const server = servers.get(frozen)!;
            frozenPid = server.pid;
            server.kill('SIGSTOP');
          }
        },
      },
    );
    assert.ok(frozenPid !== undefined, 'the server was stopped');
    const result = scenario!.results[frozen]!;
    assert.equal(result.state, 'failed');
    assert.equal((result as { error: string }).error, `server process ${frozenPid} did not answer stats within 2 s`);
    const other = scenario!.results[next]! as CompletedResult;
    assert.equal(other.state, 'completed', (other as { error?: string }).error);
    assert.ok(other.messages.delivered > 0 && other.messages.delivered === other.messages.expected);
    assert.equal(isAlive(frozenPid), false, 'the frozen server was killed');
    assert.equal(liveChildren(), 0);
  } finally {
    if (frozenPid !== undefined) {
      killQuietly(frozenPid, 'SIGCONT');
      killQuietly(frozenPid, 'SIGKILL');
    }
  }
});
