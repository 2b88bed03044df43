/**
 * `pushbench run` as a user meets it: a tiny real run, bad flags, a refused remote
 * target, Ctrl-C, and the open-file limit. Each checks what is written and that no
 * process is left behind.
 */
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { ResultsFile } from '../../core/results.ts';
import { publishHopMs } from '../../run/model.ts';
import { BIN, runCli } from '../helpers/cli.ts';
import { resultsProblems, validateResults } from '../../core/results-validate.ts';
import { startServer } from '../../servers/server.ts';
import { profileOrigins } from '../../load/headers.ts';

let dir: string;
/** This checkout's root: only its own children count (other checkouts may be running on the machine). */
const CHECKOUT = fileURLToPath(new URL('../../', import.meta.url));
/** The child modules a run forks: from the sources, from dist/, or from the sources' transpiled mirror (run/source-build.ts). */
const CHILD_MODULES = ['servers/child', 'load/generator-main', 'load/publisher-main'];
const CHILD_PATH = new RegExp(
  `${CHECKOUT.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:dist/|node_modules/\\.cache/pushbench/children-[0-9a-f]+/)?(?:${CHILD_MODULES.join('|')})\\.[jt]s\\b`,
);

/** Processes that were running before these tests (another run on the machine is not ours to judge). */
let preexisting: Set<string>;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-run-'));
  preexisting = new Set(pushbenchProcesses());
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** pushbench child processes (servers and load generators) of this checkout alive on this machine. */
function pushbenchProcesses(): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return ps
    .split('\n')
    .filter((line) => CHILD_PATH.test(line))
    .map((line) => line.trim());
}

/** pushbench child processes started since these tests began and still alive. */
function leftoverProcesses(): string[] {
  return pushbenchProcesses().filter((line) => !preexisting.has(line));
}

const TINY = ['--clients', '4', '--rate', '20', '--duration', '300ms', '--warmup', '100ms', '--interval', '100'];

test('a tiny run writes results.json, the reports and a summary, and exits 0', async () => {
  const out = path.join(dir, 'tiny');
  const result = await runCli(['run', '--technique', 'sse,websocket', ...TINY, '--out', out]);
  assert.equal(result.code, 0, result.stderr);
  const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as ResultsFile;
  assert.equal(results.schemaVersion, 1);
  assert.equal(results.state, 'completed');
  // The validator is compiled from the definition the committed JSON Schema is generated from
  // (test/core/results-schema.test.ts holds the file to it), so this checks both.
  assert.deepEqual(resultsProblems(results), [], 'a real results.json matches the contract and the committed JSON Schema');
  assert.equal(results.command, `pushbench run --technique sse,websocket ${TINY.join(' ')} --out ${out}`);
  assert.deepEqual(Object.keys(results.scenarios[0]!.results), ['sse', 'websocket']);
  assert.ok(fs.existsSync(path.join(out, 'report.html')));
  assert.ok(fs.existsSync(path.join(out, 'summary.md')));
  assert.match(result.stdout, /technique\s+delivered\s+lost/);
  assert.match(result.stdout, /websocket\s+\d+\/\d+\s+0\s+/);
  assert.match(result.stderr, /websocket: warming up 100 ms, measuring 300 ms/, 'progress goes to stderr');
  // Two techniques and the machine's floor (a bare ws broadcast), which runs like a third.
  assert.match(
    result.stderr,
    /^pushbench: 3 technique runs in 1 scenario, estimated time about \d+ s \(.*an estimate, not a measurement\)$/m,
    'the estimate comes first',
  );
  assert.deepEqual(
    fs.readdirSync(out).filter((f) => f.includes('.tmp')),
    [],
    'no temporary file left',
  );
  assert.deepEqual(leftoverProcesses(), []);
});

test('--runs 2 measures each technique twice, interleaved, and keeps both runs', async () => {
  const out = path.join(dir, 'runs');
  const result = await runCli(['run', '--technique', 'sse,websocket', ...TINY, '--runs', '2', '--out', out]);
  assert.equal(result.code, 0, result.stderr);
  const results = validateResults(JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')), 'results.json');
  assert.equal(results.runsPerTechnique, 2);
  assert.ok(typeof results.suiteWallMs === 'number' && results.suiteWallMs > 0);
  for (const technique of ['sse', 'websocket'] as const) {
    const r = results.scenarios[0]!.results[technique];
    assert.equal(r?.state, 'completed');
    if (r?.state !== 'completed') continue;
    assert.equal(r.runs?.length, 2, `${technique}: one summary per run`);
    // The first run is the result itself.
    assert.equal(r.runs[0]!.latencyMs.count, r.latencyMs.count);
    assert.equal(r.runs[0]!.latencyMs.messages, r.latencyMs.messages);
    assert.ok((r.latencyMs.messages ?? 0) >= 1 && (r.latencyMs.messages ?? 0) <= r.messages.published);
  }
  // Interleaved: sse, websocket, sse, websocket (progress names the run).
  const order = [...result.stderr.matchAll(/(sse|websocket)\b[^\n]*?starting \(run (\d) of 2\)/g)].map((m) => `${m[1]}#${m[2]}`);
  assert.deepEqual(order, ['sse#1', 'websocket#1', 'sse#2', 'websocket#2'], result.stderr);
  assert.match(result.stdout, /Session wall time: [\d.]+ s, 2 runs per technique/);
  assert.deepEqual(leftoverProcesses(), []);
});

test('invalid flags exit 2 with the value and the allowed values, and write nothing', async () => {
  const out = path.join(dir, 'never');
  const cases: Array<[string[], RegExp]> = [
    [['--rate', '-1'], /invalid --rate: received "-1"; expected a number > 0/],
    [
      ['--technique', 'pigeon'],
      /invalid --technique: received "pigeon"; allowed: polling, longpoll, sse, websocket, websocket-deflate, all/,
    ],
    [['--duration', '5h'], /invalid --duration: received "5h"/],
    [['--clients', '0'], /invalid --clients: received "0"/],
    [['--runs', '0'], /invalid --runs: received "0"; expected an integer from 1 to 20 \(runs\)/],
    [['--runs', '2.5'], /invalid --runs: received "2\.5"; expected an integer from 1 to 20/],
    [['--frobnicate'], /unknown option --frobnicate/],
  ];
  for (const [args, message] of cases) {
    const result = await runCli(['run', ...args, '--out', out]);
    assert.equal(result.code, 2, args.join(' '));
    assert.match(result.stderr, message);
  }
  assert.equal(fs.existsSync(out), false, 'nothing was written');
});

test('a non-loopback target is refused unless --allow-remote is given', async () => {
  const result = await runCli(['run', '--target', 'http://192.0.2.10:8080', '--out', path.join(dir, 'remote')]);
  assert.equal(result.code, 2);
  assert.match(
    result.stderr,
    /refusing to load non-loopback target "http:\/\/192\.0\.2\.10:8080" \(host 192\.0\.2\.10\); pass --allow-remote/,
  );
});

test('--target drives a pushbench server that is already running: pushbench publishes through POST /publish and expects what it accepted', async () => {
  // As `pushbench serve --rate 0` does: the browser profiles' Origin is accepted (servers refuse a foreign one), and it publishes nothing itself.
  const server = await startServer({ rate: 0, allowedOrigins: profileOrigins() });
  try {
    const out = path.join(dir, 'target');
    // Sparse enough that each window edge has a quiet moment for the kernel's cross-check.
    const result = await runCli([
      'run',
      '--target',
      server.url,
      '--technique',
      'polling,websocket',
      '--clients',
      '4',
      '--rate',
      '5',
      '--duration',
      '2s',
      '--warmup',
      '100ms',
      '--interval',
      '500',
      '--out',
      out,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as ResultsFile;
    assert.equal(results.scenarios[0]!.params.target, server.url);
    assert.equal(results.scenarios[0]!.target?.kind, 'url');
    for (const technique of ['polling', 'websocket'] as const) {
      const r = results.scenarios[0]!.results[technique]!;
      assert.equal(r.state, 'completed');
      if (r.state !== 'completed') continue;
      assert.equal(r.server, null, 'no server process to sample');
      assert.equal(r.agreement, null);
      // 2 s at 5 msg/s: 10 publishes in the window, each accepted (204), times 4 clients.
      assert.equal(r.publisher?.accepted, 10);
      assert.equal(r.messages.published, 10);
      assert.equal(r.messages.expected, 40);
      assert.equal(r.messages.delivered, r.messages.expected);
      assert.equal(r.messages.lost, 0);
      assert.equal(r.kernel?.agree, true, JSON.stringify(r.kernel));
      // The model adds the publish hop (pushbench's POST to the server), from the measured publish round trip.
      assert.ok(r.publisher?.roundTripMs !== undefined && r.network != null);
      const hop = publishHopMs(r.publisher.roundTripMs.mean, r.network.rttMs, 0);
      assert.ok(hop > 0);
      const stated = /([\d.,]+) ms the publish hop/.exec(r.model?.formula ?? '');
      assert.ok(stated, r.model?.formula);
      assert.ok(Math.abs(Number(stated[1]!.replace(/,/g, '')) - hop) < 0.01, `${stated[1]} vs ${hop}`);
    }
    assert.ok(server.stats().techniques.websocket!.requests >= 4, 'the clients reached the running server');
  } finally {
    await server.close();
  }
});

test('--target refuses a server that publishes by itself: what it publishes cannot be expected', async () => {
  const server = await startServer({ rate: 20, allowedOrigins: profileOrigins() });
  try {
    const result = await runCli([
      'run',
      '--target',
      server.url,
      '--technique',
      'websocket',
      ...TINY,
      '--out',
      path.join(dir, 'self-publishing'),
    ]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /publishes by itself \(20 msg\/s\): start it with --rate 0/);
  } finally {
    await server.close();
  }
});

test('Ctrl-C stops every process, writes the results so far marked interrupted, and exits 130', async () => {
  const out = path.join(dir, 'interrupted');
  const child = spawn(
    process.execPath,
    [BIN, 'run', '--technique', 'websocket,sse', '--clients', '4', '--duration', '30s', '--warmup', '0', '--out', out],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    if (stderr.includes('measuring 30000 ms') && !child.killed) child.kill('SIGINT');
  });
  child.stdout.resume();
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  assert.equal(code, 130, stderr);
  assert.match(stderr, /SIGINT: stopping, cleaning up and writing what was measured/);
  const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as ResultsFile;
  assert.equal(results.state, 'interrupted');
  assert.equal(results.scenarios[0]!.results.websocket!.state, 'interrupted');
  assert.equal(results.scenarios[0]!.results.sse!.state, 'interrupted');
  assert.deepEqual(leftoverProcesses(), []);
});

test('the open-file limit gives a clear message with the numbers and what to do', async () => {
  // The plan (run/scale-plan.ts) sees the limit before anything starts: it refuses the run with
  // its arithmetic (exit 2), so nothing is measured, nothing is written and nothing is left running.
  const out = path.join(dir, 'emfile');
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(
      'bash',
      [
        '-c',
        `ulimit -n 256 && exec "${process.execPath}" "${BIN}" run --technique websocket --clients 300 --duration 200ms --warmup 0 --out "${out}"`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  assert.equal(result.code, 2, result.stderr);
  assert.match(
    result.stderr,
    /300 websocket clients: files: 300 server sockets in one server process, over the 256 open-file limit less 64 = 192; use --server-processes 3 or more/,
  );
  assert.equal(result.stdout, '');
  assert.equal(fs.existsSync(path.join(out, 'results.json')), false);
  assert.deepEqual(leftoverProcesses(), []);
});
