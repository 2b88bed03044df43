/**
 * End-to-end runs on tiny windows: they check the wiring (every message delivered,
 * bytes agreeing on both ends and matching the protocol), not speed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { liveChildren } from '../../run/children.ts';
import { runScenarios } from '../../run/runner.ts';
import { runTechnique } from '../../run/technique-run.ts';
import type { CompletedResult, ScenarioParams, TechniqueResult } from '../../core/results.ts';
import { tinyParams } from '../helpers/tiny-params.ts';
import { TECHNIQUES, type TechniqueId } from '../../core/protocol.ts';
import { TECHNIQUE_META } from '../../core/techniques.ts';

/** The tiny run of these tests: six clients in rooms of three. */
function params(overrides: Partial<ScenarioParams> = {}): ScenarioParams {
  return tinyParams({ clients: 6, roomSize: 3, ...overrides });
}

async function run(
  technique: TechniqueId,
  p: ScenarioParams,
  extra: Parameters<typeof runTechnique>[2] extends infer O ? Partial<O> : never = {},
): Promise<TechniqueResult> {
  return runTechnique(technique, p, { signal: new AbortController().signal, generators: null, progress: () => {}, ...extra });
}

function completed(result: TechniqueResult): CompletedResult {
  assert.equal(result.state, 'completed', result.state === 'completed' ? '' : result.error);
  return result as CompletedResult;
}

function assertWiring(r: CompletedResult, clients: number): void {
  assert.ok(r.messages.published > 0, 'messages were published in the window');
  assert.equal(r.messages.delivered, r.messages.expected, 'every expected message arrived');
  assert.equal(r.messages.lost, 0);
  assert.equal(r.messages.duplicated, 0);
  assert.equal(r.messages.outOfOrder, 0);
  assert.equal(r.latencyMs.count, r.messages.delivered, 'one latency sample per delivered message');
  assert.ok(r.agreement?.agree, `server and client byte totals agree: ${JSON.stringify(r.agreement)}`);
  assert.equal(r.server?.connections, r.requests === null || r.messages.expected === 0 ? r.server?.connections : r.server?.connections);
  assert.ok(r.bytes.down > 0 && r.bitsPerSecond > 0);
  assert.equal(r.clientErrors.count, 0, r.clientErrors.first.join('; '));
  assert.ok(clients > 0);
}

describe('broadcast: every technique delivers everything and the bytes add up', () => {
  for (const technique of TECHNIQUES) {
    test(technique, async () => {
      const p = params();
      const r = completed(await run(technique, p));
      assertWiring(r, p.clients);
      assert.equal(r.messages.expected, r.messages.published * p.clients);
      if (technique === 'websocket') {
        // RFC 6455: a server frame of a payload under 126 bytes has a 2-byte header, and nothing else travels.
        assert.equal(r.perMessage.downOverheadBytes, 2);
        assert.equal(r.perMessage.overheadBytes, 2);
        assert.equal(r.bytes.up, 0);
      }
      if (technique === 'sse') {
        // `id: ` + N + `\n` + `data: ` + `\n\n` (13 + digits(N)) inside a chunk `4f\r\n...\r\n` (6): 20 B for seq 1-9, 21 B for 10-99.
        assert.ok(
          r.perMessage.downOverheadBytes >= 20 && r.perMessage.downOverheadBytes <= 21,
          `SSE overhead ${r.perMessage.downOverheadBytes}`,
        );
        assert.equal(r.requests, null);
      }
      if (technique === 'polling' || technique === 'longpoll') {
        assert.ok(r.requests !== null && r.requests.total > 0);
        // A request carries Chromium's header set (about 500 B): over 200 bytes up per message even when 2 share a response.
        assert.ok(r.perMessage.upOverheadBytes > 200, `up overhead ${r.perMessage.upOverheadBytes}`);
      }
      // SSE and WebSocket frame every message alike: there the model is exact.
      if (technique === 'sse' || technique === 'websocket')
        assert.ok(
          Math.abs(r.perMessage.totalBytes - r.model!.perMessage.totalBytes) < 3,
          `${r.perMessage.totalBytes} vs model ${r.model!.perMessage.totalBytes}`,
        );
    });
  }
});

describe('chat: upstream and downstream through rooms', () => {
  for (const technique of TECHNIQUES) {
    test(technique, async () => {
      const p = params({ workload: 'chat', rate: 5, clients: 6, roomSize: 3 });
      const r = completed(await run(technique, p));
      assertWiring(r, p.clients);
      // Each message reaches the 3 members of its room.
      assert.equal(r.messages.expected, r.messages.published * 3);
      assert.ok(r.bytes.up > 0, 'clients published upstream');
      // WebSocket variants publish on their socket: a masked frame header (6 B) shared by 3 receivers, less when compressed.
      if (TECHNIQUE_META[technique].upstream === 'socket')
        assert.ok(r.perMessage.upOverheadBytes < 3, 'a masked frame header (6 B) shared by 3 receivers');
      else assert.ok(r.perMessage.upOverheadBytes > 100, 'a POST per message upstream');
    });
  }
});

test('polling latency grows with the poll interval; WebSocket latency does not depend on it', async () => {
  const short = completed(await run('polling', params({ intervalMs: 50, durationMs: 600 })));
  const long = completed(await run('polling', params({ intervalMs: 400, durationMs: 600 })));
  const ws = completed(await run('websocket', params({ intervalMs: 400, durationMs: 600 })));
  // A message waits on average half an interval for the next poll, at most a whole one.
  assert.ok(long.latencyMs.p50 > short.latencyMs.p50, `p50 ${long.latencyMs.p50} ms at 400 ms polls vs ${short.latencyMs.p50} ms at 50 ms`);
  assert.ok(long.latencyMs.mean > 2 * short.latencyMs.mean);
  assert.ok(ws.latencyMs.p50 < long.latencyMs.p50 / 2, `websocket p50 ${ws.latencyMs.p50} ms vs polling ${long.latencyMs.p50} ms`);
  // Half the 400 ms interval, plus the one-way trip (half the fastest RTT probed) and the publisher's lateness, both measured.
  const rttMs = Math.min(...long.network!.rttSamplesMs!);
  assert.ok(Math.abs(long.model!.latencyMs.mean - (200 + rttMs / 2 + (long.publisher?.latenessMs.mean ?? 0))) < 1e-9, long.model!.formula);
});

test('clients spread over two generator processes: their histograms and counters merge', async () => {
  const p = params({ clients: 8 });
  const r = completed(await run('websocket', p, { generators: 2 }));
  assertWiring(r, p.clients);
  assert.equal(r.latencyMs.count, r.messages.expected);
});

test('a server that crashes mid-run yields a failed result with the reason, and no process is left', async () => {
  const result = await run('sse', params({ durationMs: 5000 }), {
    onServer: (_technique, server) => setTimeout(() => server.kill('SIGKILL'), 300),
  });
  assert.equal(result.state, 'failed');
  assert.match((result as { error: string }).error, /server process \d+ was killed by SIGKILL/);
  assert.equal(liveChildren(), 0);
});

test('an aborted run (Ctrl-C) is marked interrupted and stops every process', async () => {
  const controller = new AbortController();
  const started = Date.now();
  const result = await runTechnique('websocket', params({ durationMs: 10_000 }), {
    signal: controller.signal,
    generators: null,
    progress: (step) => {
      if (step.phase === 'measuring') setTimeout(() => controller.abort(), 100);
    },
  });
  assert.equal(result.state, 'interrupted');
  assert.ok(Date.now() - started < 10_000, 'the window was not waited out');
  assert.equal(liveChildren(), 0);
});

test("when one technique's server crashes, the next techniques of the scenario still run", async () => {
  const p = params();
  const [scenario] = await runScenarios(
    [{ id: 'crash', group: 'crash', title: 'crash', description: '', params: p, techniques: ['sse', 'websocket'] }],
    {
      signal: new AbortController().signal,
      generators: null,
      progress: () => {},
      onServer: (technique, server) => {
        if (technique === 'sse') setTimeout(() => server.kill('SIGKILL'), 200);
      },
    },
  );
  assert.equal(scenario!.results.sse!.state, 'failed');
  assert.match((scenario!.results.sse as { error: string }).error, /killed by SIGKILL/);
  assertWiring(completed(scenario!.results.websocket!), p.clients);
  assert.equal(liveChildren(), 0);
});

test('the broadcast schedule puts the window edges halfway between messages', async () => {
  const { firstPublishAt } = await import('../../core/publish-grid.ts');
  // 1 msg/s, window opening 300 ms after t0: messages at t0 + 0.8 s, 1.8 s, ... (startT + 0.5 s is one of them).
  assert.equal(firstPublishAt(1_000_000, 1_300_000, 1), 1_800_000);
  // One message every 5 s, no warm-up: the first is due mid-window, 2.5 s in.
  assert.equal(firstPublishAt(0, 0, 0.2), 2_500_000);
  // 10 msgs/s with a 1 s warm-up: the grid reaches back to t0 + 50 ms.
  assert.equal(firstPublishAt(0, 1_000_000, 10), 50_000);
});
