import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CompletedResult, Scenario } from '../../core/results.ts';
import type { TechniqueId } from '../../core/protocol.ts';
import { groupConclusions, scenarioConclusions, type Finding } from '../../reports/conclusions.ts';
import { completedOf, loadFixture } from './helpers.ts';

const fixture = loadFixture();
const template = completedOf(fixture, 'header-overhead', 'websocket');

/** A completed result with the given bytes per message, p99 and losses; everything else from the fixture. */
function result(
  totalBytes: number,
  p99: number,
  extra: { lost?: number; bitsPerSecond?: number; modelBytes?: number } = {},
): CompletedResult {
  const r = structuredClone(template);
  r.perMessage.totalBytes = totalBytes;
  r.perMessage.overheadBytes = totalBytes - 56;
  r.model!.perMessage.totalBytes = extra.modelBytes ?? totalBytes;
  r.latencyMs.p99 = p99;
  r.messages = { published: 10, expected: 1000, delivered: 1000 - (extra.lost ?? 0), lost: extra.lost ?? 0, duplicated: 0, outOfOrder: 0 };
  r.bitsPerSecond = extra.bitsPerSecond ?? 1000;
  r.requests = null;
  r.clientErrors = { count: 0, first: [] };
  return r;
}

function scenario(
  id: string,
  clients: number,
  results: Partial<Record<TechniqueId, CompletedResult | { state: 'failed'; error: string }>>,
): Scenario {
  const base = structuredClone(fixture.scenarios[0]!);
  return { ...base, id, title: id, group: 'g', params: { ...base.params, clients }, results };
}

const find = (findings: Finding[], kind: Finding['kind']) => findings.filter((f) => f.kind === kind);

test('cheapest per message and the factor over the most expensive', () => {
  const s = scenario('s', 100, { polling: result(900, 500), sse: result(90, 2), websocket: result(60, 1) });
  const [bytes] = find(scenarioConclusions(s).findings, 'bytes');
  assert.equal(bytes?.best, 'websocket');
  assert.equal(bytes?.worst, 'polling');
  assert.equal(bytes?.factor, 15);
  assert.equal(bytes?.text, 'WebSocket is the cheapest per delivered message: 60 B up and down, 15× less than Short polling (900 B).');
});

test('lowest p99 latency and its factor', () => {
  const s = scenario('s', 100, { polling: result(900, 500), longpoll: result(800, 2.5), sse: result(90, 0.25) });
  const [latency] = find(scenarioConclusions(s).findings, 'latency');
  assert.equal(latency?.best, 'sse');
  assert.equal(latency?.worst, 'polling');
  assert.equal(latency?.factor, 2000);
  assert.equal(latency?.text, 'Server-Sent Events has the lowest p99 latency: 0.250 ms, 2,000× lower than Short polling (500 ms).');
});

test('losses and failures are called out; near-equal figures are not ranked', () => {
  const s = scenario('s', 100, {
    longpoll: { state: 'failed', error: 'EMFILE' },
    sse: result(100, 1, { lost: 3 }),
    websocket: result(98, 0.99),
  });
  const findings = scenarioConclusions(s).findings;
  assert.equal(find(findings, 'failure')[0]?.text, 'Long polling failed: EMFILE. It has no figures in this scenario.');
  assert.equal(find(findings, 'loss')[0]?.text, 'Server-Sent Events lost 3 of 1,000 expected messages (0.3%).');
  assert.equal(find(findings, 'bytes')[0]?.text, 'Every technique costs about the same per delivered message (98 B to 100 B).');
});

test('a gap between measurement and model over 10% is reported', () => {
  const s = scenario('s', 100, { polling: result(900, 500, { modelBytes: 750 }), websocket: result(60, 1, { modelBytes: 58 }) });
  const gaps = find(scenarioConclusions(s).findings, 'model-gap');
  assert.equal(gaps.length, 1);
  assert.equal(gaps[0]?.worst, 'polling');
  assert.match(gaps[0]?.text ?? '', /measured 900 B per message against a model of 750 B \(\+20%\)/);
});

test('sweep: where polling bandwidth crosses another technique, and the spread at the largest count', () => {
  const group = {
    group: 'g',
    scenarios: [
      scenario('g-10', 10, { polling: result(900, 500, { bitsPerSecond: 5_000 }), websocket: result(60, 1, { bitsPerSecond: 8_000 }) }),
      scenario('g-100', 100, { polling: result(900, 500, { bitsPerSecond: 50_000 }), websocket: result(60, 1, { bitsPerSecond: 60_000 }) }),
      scenario('g-1000', 1000, {
        polling: result(900, 500, { bitsPerSecond: 2_000_000 }),
        websocket: result(60, 1, { bitsPerSecond: 500_000 }),
      }),
    ],
  };
  const findings = groupConclusions(group).findings;
  assert.deepEqual(
    find(findings, 'crossing').map((f) => f.text),
    ["Short polling's bandwidth crosses WebSocket's between 100 and 1,000 clients: below, Short polling uses less; above, WebSocket does."],
  );
  const [spread] = find(findings, 'spread');
  assert.equal(spread?.worst, 'polling');
  assert.equal(spread?.factor, 4);
  assert.equal(spread?.text, 'At 1,000 clients, Short polling needs 2.00 Mbit/s, 4× the 500 kbit/s of WebSocket.');
});

test('sweep without a crossing says the order holds, from the fixture', () => {
  const sweep = fixture.scenarios.filter((s) => s.group === 'sweep');
  const findings = groupConclusions({ group: 'sweep', scenarios: sweep }).findings;
  assert.equal(find(findings, 'crossing').length, 0);
  assert.equal(
    find(findings, 'ranking')[0]?.text,
    'No two techniques swap places in bandwidth across 10, 100, 1,000 clients; at 100 clients, from least to most: WebSocket < Server-Sent Events < Short polling < Long polling.',
  );
  assert.equal(
    find(findings, 'failure')[0]?.text,
    'Long polling failed at 1,000 clients: server process exited with code 1: EMFILE: too many open files.',
  );
});

/** Run summaries whose p99 values are `p99s` (count 1,000 each, so p99 is printable). */
function withRuns(r: CompletedResult, p99s: number[]): CompletedResult {
  return {
    ...r,
    runs: p99s.map((p99) => ({
      latencyMs: { p50: p99 / 2, p99, mean: p99 / 2, count: 1000, messages: 10 },
      cpuPercent: 1,
      rssBytes: 1,
      perMessageTotalBytes: 60,
      delivered: 1000,
      lost: 0,
    })),
  };
}

test('with runs: a p99 difference is stated only when the intervals do not overlap', () => {
  // SSE runs 1.0..1.4 ms (median 1.2), WebSocket 1.3..1.8 (median 1.5): min–max intervals overlap at 1.3–1.4.
  const overlapping = scenario('o', 100, {
    sse: withRuns(result(90, 1.2), [1.0, 1.2, 1.4]),
    websocket: withRuns(result(60, 1.5), [1.3, 1.5, 1.8]),
  });
  const [latency] = find(scenarioConclusions(overlapping).findings, 'latency');
  assert.equal(latency?.best, undefined);
  assert.equal(
    latency?.text,
    'p99 latency is not distinguishable here: the intervals over 3 runs overlap (Server-Sent Events 1.00 ms–1.40 ms, WebSocket 1.30 ms–1.80 ms).',
  );
  // Separate intervals: the factor is of the medians, 4 / 1.2 = 3.3×.
  const apart = scenario('a', 100, { sse: withRuns(result(90, 1.2), [1.0, 1.2, 1.4]), websocket: withRuns(result(60, 4), [3.5, 4, 4.5]) });
  const [stated] = find(scenarioConclusions(apart).findings, 'latency');
  assert.equal(stated?.best, 'sse');
  assert.equal(
    stated?.text,
    'Server-Sent Events has the lowest p99 latency: 1.20 ms, 3.3× lower than WebSocket (4.00 ms) (medians of 3 runs; the intervals do not overlap).',
  );
});

test('a p99 of too few samples is left out of the comparison, with the reason', () => {
  const thin = result(60, 0.1);
  thin.latencyMs.count = 30;
  const s = scenario('t', 100, { polling: result(900, 500), sse: result(90, 2), websocket: thin });
  const [latency] = find(scenarioConclusions(s).findings, 'latency');
  assert.equal(latency?.best, 'sse', "WebSocket's 0.1 ms from 30 samples does not win");
  assert.match(latency?.text ?? '', /\(WebSocket left out: p99 needs ≥ 100 samples, has 30\)$/);
});

const machine = {
  cores: 2,
  cpuBusy: 0.97,
  memoryTotalBytes: 24 * 1024 ** 3,
  memoryMinAvailableBytes: 19.25 * 1024 ** 3,
  fileLimit: 20_000,
  filesBusiest: 18_781,
  portRange: 28_232,
  portsBusiest: 25_000,
  hit: ['cpu' as const],
};

test("a run names the machine's limit it hit, and the others with how close they came", () => {
  const ws = result(60, 1);
  ws.machine = machine;
  const [finding] = find(scenarioConclusions(scenario('s', 100, { websocket: ws })).findings, 'machine');
  assert.equal(finding?.worst, 'websocket');
  assert.equal(
    finding?.text,
    "WebSocket hit the machine's limit: CPU (2 cores 97% busy over the window, every process of the machine). Not memory (19.3 GiB of 24.0 GiB still available at the least), files (at most 18,781 open in one process, of 20,000) or ports (25,000 connections from one source address, of 28,232).",
  );
});

test('a large run that hit no limit says so; a small one says nothing', () => {
  const ws = result(60, 1);
  ws.machine = { ...machine, cpuBusy: 0.45, hit: [] };
  assert.deepEqual(find(scenarioConclusions(scenario('s', 9_999, { websocket: ws })).findings, 'machine'), []);
  const [finding] = find(scenarioConclusions(scenario('s', 10_000, { websocket: ws })).findings, 'machine');
  assert.equal(finding?.best, 'websocket');
  assert.match(finding!.text, /^WebSocket hit no limit of the machine: CPU \(2 cores 45% busy/);
});

test('along a sweep of clients each technique stops at its first loss, failure or median past 1 s, or holds', () => {
  const held = (p50: number) => {
    const r = result(100, 1);
    r.latencyMs.p50 = p50;
    return r;
  };
  const slow = held(1282.1);
  slow.latencyMs.count = 100_000;
  slow.machine = machine;
  const group = {
    group: 'g',
    scenarios: [
      scenario('a', 1000, { longpoll: held(71), sse: held(19), websocket: held(17) }),
      scenario('b', 10_000, { longpoll: slow, sse: result(100, 1, { lost: 5 }), websocket: held(190) }),
      scenario('c', 100_000, { longpoll: { state: 'failed', error: 'a client was answered 408' }, sse: held(500), websocket: held(999) }),
    ],
  };
  const stops = find(groupConclusions(group).findings, 'stop').map((f) => f.text);
  assert.deepEqual(stops, [
    "Long polling stops at 10,000 clients: its median latency was 1,282 ms (n 100,000), past the 1,000 ms bound; it held at 1,000. There it hit the machine's CPU (2 cores 97% busy over the window, every process of the machine).",
    'Server-Sent Events stops at 10,000 clients: it lost 5 of 1,000 messages; it held at 1,000.',
    'WebSocket did not stop up to 100,000 clients: nothing lost, no client error, median latency within 1,000 ms at every count.',
  ]);
});

test("the terminal summary says where each technique of a sweep stops, and a run's machine limit under its table", async () => {
  const { renderSummary } = await import('../../reports/terminal.ts');
  const results = structuredClone(fixture);
  const text = renderSummary(results).replace(/\n\s+/g, ' ');
  // The fixture's sweep (10, 100, 1,000 clients): every technique held.
  assert.match(text, /sweep: where each technique stops/);
  assert.match(text, /WebSocket did not stop up to 1,000 clients/);
  const ws = results.scenarios.find((s) => s.id === 'sweep-1000')!.results.websocket as CompletedResult;
  ws.latencyMs.p50 = 1500;
  ws.machine = machine;
  const after = renderSummary(results).replace(/\n\s+/g, ' ');
  assert.match(
    after,
    /WebSocket stops at 1,000 clients: its median latency was 1,500 ms .*; it held at 100\. There it hit the machine's CPU/,
  );
  assert.match(after, /! WebSocket hit the machine's limit: CPU \(2 cores 97% busy/);
});
