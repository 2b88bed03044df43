import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { ResultsFile } from '../../core/results.ts';
import { runCompareCommand } from '../../cli/compare.ts';
import { captureIo, completedOf, FIXTURE_PATH, loadFixture, tempDir } from '../reports/helpers.ts';

let dir = '';

before(async () => {
  dir = await tempDir('compare-command');
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function save(name: string, results: ResultsFile | string): Promise<string> {
  const file = path.join(dir, name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, typeof results === 'string' ? results : JSON.stringify(results));
  return file;
}

async function run(argv: string[]) {
  const out = captureIo();
  const code = await runCompareCommand(argv, out.io);
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

test('identical files: exit 0 and a passing verdict table', async () => {
  const copy = await save('same.json', loadFixture());
  const { code, stdout, stderr } = await run([FIXTURE_PATH, copy]);
  assert.equal(stderr, '');
  assert.equal(code, 0);
  assert.match(stdout, /^## pushbench compare: ✅ no regression/);
  assert.match(stdout, /\| header-overhead \/ WebSocket \| bytes per message \| 58 B \| 58 B \| 0% \| \+1% and \+1 B \| ✅ \|/);
  assert.doesNotMatch(stdout, /❌/);
});

test('websocket bytes per message grew by 10 bytes: exit 1, the row says so, --out gets the same Markdown', async () => {
  const current = loadFixture();
  completedOf(current, 'header-overhead', 'websocket').perMessage.totalBytes += 10;
  const file = await save('bytes.json', current);
  const outFile = path.join(dir, 'compare.md');
  const { code, stdout } = await run([FIXTURE_PATH, file, '--out', outFile]);
  assert.equal(code, 1);
  assert.match(stdout, /^## pushbench compare: ❌ 1 regression\n/);
  assert.match(stdout, /\| header-overhead \/ WebSocket \| bytes per message \| 58 B \| 68 B \| \+17\.2% \| \+1% and \+1 B \| ❌ \|/);
  assert.equal(await readFile(outFile, 'utf8'), stdout);
});

test('lost messages going from 0 to 3: exit 1', async () => {
  const current = loadFixture();
  const ws = completedOf(current, 'header-overhead', 'websocket');
  ws.messages.lost = 3;
  ws.messages.delivered -= 3;
  const file = await save('lost.json', current);
  const { code, stdout } = await run([FIXTURE_PATH, file]);
  assert.equal(code, 1);
  assert.match(stdout, /\| header-overhead \/ WebSocket \| lost messages \| 0 \| 3 \| — \| no increase \| ❌ \|/);
});

test('a technique that completed in base and failed in current is a regression', async () => {
  const current = loadFixture();
  current.scenarios[0]!.results.sse = { state: 'failed', error: 'server crashed' };
  const { code, stdout } = await run([FIXTURE_PATH, await save('failed.json', current)]);
  assert.equal(code, 1);
  assert.match(stdout, /\| header-overhead \/ Server-Sent Events \| state \| completed \| failed: server crashed \| — \| {2}\| ❌ \|/);
});

test('bad input exits 2 with a message naming the file or value', async () => {
  const missing = path.join(dir, 'nope.json');
  const future = await save('future.json', { ...loadFixture(), schemaVersion: 2 } as unknown as ResultsFile);
  const broken = await save('broken.json', '{');
  const other = loadFixture();
  other.scenarios = other.scenarios.map((s) => ({ ...s, id: `other-${s.id}` }));
  const otherFile = await save('other.json', other);
  const fewer = loadFixture();
  fewer.scenarios = fewer.scenarios.filter((s) => s.id !== 'sparse');
  const fewerFile = await save('fewer.json', fewer);
  const cases: Array<[string[], string | RegExp]> = [
    [[missing, FIXTURE_PATH], `pushbench compare: cannot read results file ${missing}: no such file or folder\n`],
    [[FIXTURE_PATH, missing], `pushbench compare: cannot read results file ${missing}: no such file\n`],
    [[FIXTURE_PATH, future], `pushbench compare: ${future} has schemaVersion 2; this pushbench reads schemaVersion 1\n`],
    [[broken, FIXTURE_PATH], new RegExp(`^pushbench compare: ${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid JSON: `)],
    [
      [FIXTURE_PATH, otherFile],
      /^pushbench compare: BASE and CURRENT have no scenario in common \(BASE: header-overhead, sweep-10, .*; CURRENT: other-header-overhead, /,
    ],
    [
      [FIXTURE_PATH, fewerFile],
      /^pushbench compare: scenario sparse of BASE is missing in CURRENT; run the same scenarios as the baseline/,
    ],
    [
      [FIXTURE_PATH, FIXTURE_PATH, '--threshold', 'latency=30'],
      /--threshold "latency=30": unknown metric "latency"; expected one of perMessage\.totalBytes, /,
    ],
    [
      [FIXTURE_PATH, FIXTURE_PATH, '--threshold', 'latencyMs.p99=fast'],
      /--threshold "latencyMs\.p99=fast": expected metric=percent with a number ≥ 0/,
    ],
    [[FIXTURE_PATH, FIXTURE_PATH, '--format', 'csv'], /--format "csv": expected one of markdown, github-action-benchmark, bencher/],
    [[FIXTURE_PATH], /expected BASE and CURRENT, got /],
  ];
  for (const [argv, message] of cases) {
    const { code, stdout, stderr } = await run(argv);
    assert.equal(code, 2, `${argv.join(' ')}: ${stderr}`);
    if (typeof message === 'string')
      assert.ok(stderr.startsWith(message), `${JSON.stringify(stderr)} starts with ${JSON.stringify(message)}`);
    else assert.match(stderr, message);
    assert.equal(stdout, '');
  }
});

test('several base runs: a noisy metric is compared with the worst of them', async () => {
  const runA = loadFixture();
  const runB = loadFixture();
  completedOf(runA, 'sparse', 'sse').latencyMs.p99 = 2;
  completedOf(runB, 'sparse', 'sse').latencyMs.p99 = 6;
  await save('baseline/a/results.json', runA);
  await save('baseline/b/results.json', runB);
  const current = loadFixture();
  // 8.5 ms: more than +50% and +2 ms over run A, within the tolerance of the worst run (6 ms → 9 ms).
  completedOf(current, 'sparse', 'sse').latencyMs.p99 = 8.5;
  const currentFile = await save('current.json', current);
  const folder = await run([path.join(dir, 'baseline'), currentFile]);
  assert.equal(folder.code, 0, folder.stdout);
  assert.match(folder.stdout, /With 2 base runs, each metric is compared with the worst base value\./);
  assert.match(
    folder.stdout,
    /\| sparse \/ Server-Sent Events \| p99 latency \| 2\.00 ms – 6\.00 ms \(2 runs\) \| 8\.50 ms \| \+41\.7% \|/,
  );
  const commas = await run([`${path.join(dir, 'baseline/a/results.json')},${path.join(dir, 'baseline/b/results.json')}`, currentFile]);
  assert.equal(commas.code, 0);
  // Against run A alone it is a regression.
  const single = await run([path.join(dir, 'baseline/a/results.json'), currentFile]);
  assert.equal(single.code, 1);
});

test('--threshold loosens one metric', async () => {
  const current = loadFixture();
  completedOf(current, 'header-overhead', 'polling').bitsPerSecond *= 1.2;
  const file = await save('bandwidth.json', current);
  assert.equal((await run([FIXTURE_PATH, file])).code, 1);
  assert.equal((await run([FIXTURE_PATH, file, '--threshold', 'bitsPerSecond=25'])).code, 0);
  assert.equal((await run([FIXTURE_PATH, file, '--threshold=bitsPerSecond=25', '--threshold', 'latencyMs.p99=10'])).code, 0);
});

test('--format writes clean JSON to stdout and --out, with the verdict on stderr', async () => {
  const outFile = path.join(dir, 'bench.json');
  for (const format of ['github-action-benchmark', 'bencher']) {
    const out = captureIo();
    assert.equal(await runCompareCommand([FIXTURE_PATH, FIXTURE_PATH, '--format', format, '--out', outFile], out.io), 0);
    const parsed: unknown = JSON.parse(out.stdout());
    assert.equal(Array.isArray(parsed), format === 'github-action-benchmark');
    assert.equal(await readFile(outFile, 'utf8'), out.stdout());
    assert.match(out.stderr(), /^pushbench compare: ✅ no regression in \d+ comparisons\n$/);
  }
});
