/**
 * The GitHub Action without GitHub: cli/action.ts runs with the variables a runner sets
 * (GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, GITHUB_WORKSPACE, RUNNER_TEMP, INPUT_*) pointing into a
 * temp folder, against the fixture results as baseline; and action.yml is held to the script.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { ResultsFile } from '../../core/results.ts';
import { validateResults } from '../../core/results-validate.ts';
import {
  ACTION_INPUTS,
  ACTION_OUTPUTS,
  ACTION_YML_ONLY_INPUTS,
  actionMain,
  inputVariable,
  splitArgs,
  STEP_SUMMARY_LIMIT_BYTES,
  truncateSummary,
} from '../../cli/action.ts';
import { FIXTURE_PATH } from '../fixtures/make-fixture.ts';
import { TECHNIQUES } from '../../core/techniques.ts';
import { readYamlSubset, type YamlValue } from './yaml-subset.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = path.join(ROOT, 'cli', 'action.ts');

let dir: string;
let fixture: ResultsFile;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-action-'));
  fixture = JSON.parse(fs.readFileSync(FIXTURE_PATH, 'utf8')) as ResultsFile;
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A fresh runner: workspace, temp folder, empty summary and output files, and the INPUT_* variables. */
function runner(
  name: string,
  inputs: Record<string, string>,
): { env: NodeJS.ProcessEnv; workspace: string; summaryFile: string; outputFile: string; temp: string } {
  const base = path.join(dir, name);
  const workspace = path.join(base, 'workspace');
  const temp = path.join(base, 'runner-temp');
  fs.mkdirSync(workspace, { recursive: true });
  fs.mkdirSync(temp, { recursive: true });
  const summaryFile = path.join(temp, 'step-summary.md');
  const outputFile = path.join(temp, 'output.txt');
  fs.writeFileSync(summaryFile, '');
  fs.writeFileSync(outputFile, '');
  const env: NodeJS.ProcessEnv = {
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: temp,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_OUTPUT: outputFile,
  };
  for (const [input, value] of Object.entries(inputs)) env[inputVariable(input)] = value;
  return { env, workspace, summaryFile, outputFile, temp };
}

/** $GITHUB_OUTPUT as the runner reads it: `name<<DELIM` records (and plain `name=value` lines). */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i]!);
      assert.ok(i < lines.length, `output ${heredoc[1]} has no closing delimiter`);
      outputs[heredoc[1]!] = value.join('\n');
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return outputs;
}

/** Runs the action in this process; returns its exit code and what it logged. */
async function runInProcess(env: NodeJS.ProcessEnv): Promise<{ code: number; log: string }> {
  const lines: string[] = [];
  const code = await actionMain(env, (line) => lines.push(line));
  return { code, log: lines.join('\n') };
}

/** Runs cli/action.ts as the action's step does (a process of its own), from the checkout's sources. */
function runScript(env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // Only the runner's variables and PATH: no INPUT_* or GITHUB_* leaks in from the machine running the tests.
    const childEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The fixture with every websocket result 30% heavier per message: a byte regression. */
function regressedFixture(): ResultsFile {
  const copy = structuredClone(fixture);
  for (const scenario of copy.scenarios) {
    const ws = scenario.results.websocket;
    if (ws?.state === 'completed') {
      ws.perMessage.totalBytes = Math.round(ws.perMessage.totalBytes * 1.3) + 2;
      ws.perMessage.overheadBytes += Math.round(ws.perMessage.totalBytes * 0.3) + 2;
    }
  }
  return copy;
}

test('a pass exits 0, writes the summary, the outputs, compare.md and the github-action-benchmark JSON', async () => {
  const r = runner('pass', { results: FIXTURE_PATH, baseline: FIXTURE_PATH });
  const { code, log } = await runInProcess(r.env);
  assert.equal(code, 0, log);
  const summary = fs.readFileSync(r.summaryFile, 'utf8');
  assert.match(summary, /^## pushbench compare: ✅ no regression/, 'the verdict comes first');
  assert.match(summary, /# pushbench summary/, "the run's own summary follows");
  const outputs = parseOutputs(fs.readFileSync(r.outputFile, 'utf8'));
  assert.deepEqual(Object.keys(outputs).sort(), [...ACTION_OUTPUTS].sort());
  assert.equal(outputs.verdict, 'pass');
  assert.equal(outputs.regression, 'false');
  assert.equal(outputs['report-dir'], path.join(r.temp, 'pushbench'), 'out-dir defaults to $RUNNER_TEMP/pushbench');
  assert.deepEqual(
    validateResults(JSON.parse(fs.readFileSync(outputs.results!, 'utf8')), 'results'),
    fixture,
    'the adopted results are kept in out-dir',
  );
  assert.ok(fs.existsSync(path.join(outputs['report-dir']!, 'report.html')));
  assert.equal(fs.readFileSync(outputs.summary!, 'utf8'), summary, 'the whole summary is kept for the artifact');
  assert.match(fs.readFileSync(outputs.compare!, 'utf8'), /no regression/);
  const benchmark = JSON.parse(fs.readFileSync(outputs['benchmark-json']!, 'utf8')) as Array<{ name: string; unit: string; value: number }>;
  const wsBytes = benchmark.find((e) => e.name === 'header-overhead/websocket bytes per message');
  assert.deepEqual(wsBytes, {
    name: 'header-overhead/websocket bytes per message',
    unit: 'bytes',
    value:
      fixture.scenarios[0]!.results.websocket!.state === 'completed' ? fixture.scenarios[0]!.results.websocket!.perMessage.totalBytes : NaN,
  });
  assert.ok(
    benchmark.every((e) => typeof e.name === 'string' && typeof e.unit === 'string' && Number.isFinite(e.value)),
    'customSmallerIsBetter entries',
  );
});

test('a regression exits 1 as its own process and the summary names it; fail-on-regression false passes and still says so', async () => {
  const current = path.join(dir, 'regressed.json');
  fs.writeFileSync(current, JSON.stringify(regressedFixture()));
  const r = runner('regression', { results: current, baseline: FIXTURE_PATH });
  const result = await runScript(r.env);
  assert.equal(result.code, 1, result.stderr);
  const summary = fs.readFileSync(r.summaryFile, 'utf8');
  assert.match(summary, /^## pushbench compare: ❌ \d+ regressions?/);
  assert.match(summary, /header-overhead \/ WebSocket \| bytes per message \| 58 B \| 77 B/);
  const outputs = parseOutputs(fs.readFileSync(r.outputFile, 'utf8'));
  assert.equal(outputs.verdict, 'regression');
  assert.equal(outputs.regression, 'true');
  assert.match(result.stderr, /verdict regression, regression true, exit 1/);

  const lenient = runner('regression-allowed', { results: current, baseline: FIXTURE_PATH, 'fail-on-regression': 'false' });
  const allowed = await runInProcess(lenient.env);
  assert.equal(allowed.code, 0, allowed.log);
  assert.equal(parseOutputs(fs.readFileSync(lenient.outputFile, 'utf8')).regression, 'true');
  assert.match(allowed.log, /fail-on-regression is false/);
});

test('a threshold input loosens the comparison: the same regression passes with bytes allowed +100%', async () => {
  const current = path.join(dir, 'regressed-threshold.json');
  fs.writeFileSync(current, JSON.stringify(regressedFixture()));
  const r = runner('threshold', {
    results: current,
    baseline: FIXTURE_PATH,
    thresholds: 'perMessage.totalBytes=100\nperMessage.overheadBytes=2000',
  });
  const { code, log } = await runInProcess(r.env);
  assert.equal(code, 0, log);
  assert.equal(parseOutputs(fs.readFileSync(r.outputFile, 'utf8')).verdict, 'pass');
});

test('without a baseline file the action passes and says how to commit one', async () => {
  const r = runner('no-baseline', { results: FIXTURE_PATH, baseline: 'bench/realtime/results.json' });
  const { code, log } = await runInProcess(r.env);
  assert.equal(code, 0, log);
  const summary = fs.readFileSync(r.summaryFile, 'utf8');
  assert.match(summary, /^## pushbench: ℹ️ no baseline yet/);
  assert.match(summary, /git add bench\/realtime\/results\.json/);
  const outputs = parseOutputs(fs.readFileSync(r.outputFile, 'utf8'));
  assert.equal(outputs.verdict, 'no-baseline');
  assert.equal(outputs.compare, '');
  assert.ok(fs.existsSync(outputs['benchmark-json']!), 'the tracker JSON is written without a baseline too');
});

test('a huge summary is cut under 1 MiB, with a note that points at the artifact', async () => {
  // Forty copies of the six fixture scenarios: a compare table of several thousand rows.
  const big = structuredClone(fixture);
  big.scenarios = Array.from({ length: 40 }, (_, copy) =>
    fixture.scenarios.map((s) => ({ ...structuredClone(s), id: `${s.id}-${copy}` })),
  ).flat();
  const bigFile = path.join(dir, 'big.json');
  fs.writeFileSync(bigFile, JSON.stringify(big));
  const r = runner('huge', { results: bigFile, baseline: bigFile, 'artifact-name': 'realtime-report' });
  fs.writeFileSync(r.summaryFile, '## written by an earlier command of the same step\n');
  const { code, log } = await runInProcess(r.env);
  assert.equal(code, 0, log);
  const written = fs.readFileSync(r.summaryFile);
  const whole = fs.readFileSync(parseOutputs(fs.readFileSync(r.outputFile, 'utf8')).summary!);
  assert.ok(whole.length > STEP_SUMMARY_LIMIT_BYTES, `the input is huge (${whole.length} bytes)`);
  assert.ok(written.length <= STEP_SUMMARY_LIMIT_BYTES, `the step summary stays within 1 MiB: ${written.length} bytes`);
  assert.ok(written.length > STEP_SUMMARY_LIMIT_BYTES - 4096, 'and uses the room it has');
  const text = written.toString('utf8');
  assert.ok(text.startsWith('## written by an earlier command'), 'earlier content is kept and counted');
  assert.match(
    text,
    /Summary truncated: it is \d+ bytes and GitHub shows at most 1 MiB per step\. The whole text is `action-summary\.md` in the artifact realtime-report\.\n$/,
  );
});

test('truncateSummary keeps whole lines and whole characters within the byte limit', () => {
  assert.equal(truncateSummary('short\n', 100, 'cut'), 'short\n', 'a text that fits is unchanged');
  const text = `${'| ü row |\n'.repeat(50)}`;
  const cut = truncateSummary(text, 200, 'cut');
  assert.ok(Buffer.byteLength(cut) <= 200);
  assert.ok(cut.endsWith('\n\ncut\n'));
  for (const line of cut.split('\n').slice(0, -3)) assert.equal(line, '| ü row |', 'no row is cut in half');
});

test('bad inputs exit 2 naming the input, the value received and the values allowed', async () => {
  const spawned = runner('bad-technique', { techniques: 'sse,smoke-signals' });
  const result = await runScript(spawned.env);
  assert.equal(result.code, 2, result.stderr);
  assert.match(
    result.stderr,
    /pushbench action: invalid input techniques: invalid --technique: received "smoke-signals" \(in "sse,smoke-signals"\); allowed: polling, longpoll, sse, websocket/,
  );
  assert.equal(fs.readFileSync(spawned.outputFile, 'utf8'), '', 'no outputs for a run that did not start');

  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ rate: 'fast' }, /invalid input rate: invalid --rate: received "fast"; expected a number > 0 and <= \d+/],
    [{ clients: '0' }, /invalid input clients: invalid --clients: received "0"; expected a comma-separated list of integers from 1 to \d+/],
    [{ duration: 'soon' }, /invalid input duration: invalid --duration: received "soon"; expected a duration from 100ms/],
    [
      { 'target-file': 'realtime/target.json' },
      /invalid input target-file: received "realtime\/target\.json"; expected the path of a pushbench target file .* or empty for pushbench's own servers; \/.*\/realtime\/target\.json does not exist/,
    ],
    [{ 'fail-on-regression': 'yes' }, /invalid input fail-on-regression: received "yes"; expected true or false/],
    [
      { thresholds: 'latency=20' },
      /invalid input thresholds: --threshold "latency=20": unknown metric "latency"; expected one of perMessage\.totalBytes/,
    ],
    [
      { args: '--out elsewhere' },
      /invalid input args: received "--out elsewhere"; expected pushbench run flags other than --out \(use the out-dir input\)/,
    ],
    [
      { args: '--headers "unclosed' },
      /invalid input args: received "--headers \\"unclosed"; expected pushbench run flags with balanced quotes/,
    ],
    [
      { args: '--bogus 1' },
      /the inputs make an invalid pushbench run command \(pushbench run --clients 100 --rate 10 --duration 5s --bogus 1\): /,
    ],
    [{ 'working-directory': 'nowhere' }, /invalid input working-directory: received "nowhere"; expected a folder/],
    [{ results: 'missing.json' }, /invalid input results: received "missing.json"; expected an existing results.json/],
  ];
  for (const [inputs, message] of cases) {
    const r = runner(`bad-${Object.keys(inputs)[0]}`, inputs);
    const { code, log } = await runInProcess(r.env);
    assert.equal(code, 2, `${JSON.stringify(inputs)}: ${log}`);
    assert.match(log, message);
  }

  const notResults = path.join(dir, 'not-results.json');
  fs.writeFileSync(notResults, '{"hello": 1}');
  const corrupt = runner('bad-baseline', { results: FIXTURE_PATH, baseline: notResults });
  const baseline = await runInProcess(corrupt.env);
  assert.equal(baseline.code, 2, baseline.log);
  assert.match(baseline.log, /invalid input baseline: .*not-results\.json/);
});

test('splitArgs groups quoted words like a shell', () => {
  assert.deepEqual(splitArgs(''), []);
  assert.deepEqual(splitArgs(' --runs 3  --headers "my file.json" --warmup=\'2 s\''), [
    '--runs',
    '3',
    '--headers',
    'my file.json',
    '--warmup=2 s',
  ]);
});

test('the real run path: a tiny run against the built-in servers writes results, summary, outputs and tracker JSON', async () => {
  const r = runner('real-run', {
    techniques: 'sse,websocket',
    clients: '4',
    rate: '20',
    duration: '300ms',
    args: '--warmup 100ms --interval 100',
    baseline: 'bench/pushbench-baseline/results.json',
  });
  const result = await runScript(r.env);
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stderr,
    /pushbench action: pushbench run --technique sse,websocket --clients 4 --rate 20 --duration 300ms --warmup 100ms --interval 100 --out /,
  );
  const outputs = parseOutputs(fs.readFileSync(r.outputFile, 'utf8'));
  assert.equal(outputs.verdict, 'no-baseline');
  const results = validateResults(JSON.parse(fs.readFileSync(outputs.results!, 'utf8')), 'results.json');
  assert.deepEqual(Object.keys(results.scenarios[0]!.results), ['sse', 'websocket']);
  const summary = fs.readFileSync(r.summaryFile, 'utf8');
  assert.match(summary, /no baseline yet/);
  assert.match(
    summary,
    /npx pushbench run --technique sse,websocket --clients 4 --rate 20 --duration 300ms --warmup 100ms --interval 100 --out bench\/pushbench-baseline/,
  );
  assert.match(summary, /\| WebSocket \| \d+ B \|/, "the run's summary table is in the job summary");
  const names = (JSON.parse(fs.readFileSync(outputs['benchmark-json']!, 'utf8')) as Array<{ name: string }>).map((e) => e.name);
  assert.ok(names.includes(`${results.scenarios[0]!.id}/websocket bytes per message`), names.join(', '));

  // That run as the baseline of the next: it compares with itself and passes.
  const again = runner('real-run-compare', { results: outputs.results!, baseline: outputs.results! });
  const compared = await runInProcess(again.env);
  assert.equal(compared.code, 0, compared.log);
  assert.equal(parseOutputs(fs.readFileSync(again.outputFile, 'utf8')).verdict, 'pass');
});

// ---------------------------------------------------------------------------------------
// action.yml, held to the script.
// ---------------------------------------------------------------------------------------

function actionYml(): Record<string, YamlValue> {
  const parsed = readYamlSubset(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8'));
  assert.ok(parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed));
  return parsed;
}

function record(value: YamlValue | undefined, what: string): Record<string, YamlValue> {
  assert.ok(value !== undefined && value !== null && typeof value === 'object' && !Array.isArray(value), `${what} is a mapping`);
  return value;
}

test('action.yml declares exactly the inputs the script reads, with the same defaults, and maps each to its INPUT_ variable', () => {
  const yml = actionYml();
  const inputs = record(yml.inputs, 'inputs');
  assert.deepEqual(Object.keys(inputs).sort(), [...Object.keys(ACTION_INPUTS), ...ACTION_YML_ONLY_INPUTS].sort());
  for (const [name, spec] of Object.entries(ACTION_INPUTS)) {
    const declared = record(inputs[name], `input ${name}`);
    assert.equal(declared.default, spec.default, `default of ${name}`);
    assert.equal(typeof declared.description, 'string');
  }
  assert.ok(
    String(record(inputs.techniques, 'techniques').description).includes(`(${TECHNIQUES.join(', ')})`),
    'the techniques input lists every technique',
  );
  const runs = record(yml.runs, 'runs');
  assert.equal(runs.using, 'composite');
  assert.ok(Array.isArray(runs.steps));
  const steps = runs.steps.map((s, i) => record(s, `step ${i}`));
  const main = steps.find((s) => s.id === 'pushbench');
  assert.ok(main !== undefined, 'a step with id pushbench');
  const env = record(main.env, 'the pushbench step env');
  const expectedEnv = Object.fromEntries(Object.keys(ACTION_INPUTS).map((name) => [inputVariable(name), `\${{ inputs.${name} }}`]));
  assert.deepEqual(env, expectedEnv);
  assert.equal(main.run, 'node "$GITHUB_ACTION_PATH/dist/cli/action.js"', 'the step runs the compiled script, no tsx');
  for (const step of steps) if ('run' in step) assert.equal(step.shell, 'bash', 'a composite run step needs a shell');
  // Every ${{ inputs.X }} anywhere in the file names a declared input.
  const text = fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8');
  for (const match of text.matchAll(/inputs\.([a-z-]+)/g)) assert.ok(match[1]! in inputs, `action.yml uses undeclared input ${match[1]}`);
});

test('action.yml forwards exactly the outputs the script writes, builds dist/ and keeps out-dir as an artifact', () => {
  const yml = actionYml();
  const outputs = record(yml.outputs, 'outputs');
  assert.deepEqual(Object.keys(outputs).sort(), [...ACTION_OUTPUTS].sort());
  for (const name of ACTION_OUTPUTS) assert.equal(record(outputs[name], name).value, `\${{ steps.pushbench.outputs.${name} }}`);
  const steps = (record(yml.runs, 'runs').steps as YamlValue[]).map((s, i) => record(s, `step ${i}`));
  const install = steps.find((s) => typeof s.run === 'string' && s.run.includes('npm run build'));
  assert.ok(install !== undefined, 'a step builds pushbench');
  assert.equal(install['working-directory'], '${{ github.action_path }}', "it builds in the action's own folder");
  const upload = steps.find((s) => s.uses === 'actions/upload-artifact@v4');
  assert.ok(upload !== undefined, 'an upload-artifact step');
  assert.match(String(upload.if), /^always\(\)/, 'the report is kept after a failure too');
  assert.equal(record(upload.with, 'upload with').path, '${{ steps.pushbench.outputs.report-dir }}');
  // The script the step runs is where the build puts it: cli/ is compiled to dist/cli/.
  const build = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
  assert.ok(build.include.includes('cli'));
});

test('the workflows that use the action pass only inputs it declares', () => {
  const declared = Object.keys(record(actionYml().inputs, 'inputs'));
  const files = ['.github/workflows/bench.yml', 'docs/ci/guard-your-realtime-server.yml'];
  for (const file of files) {
    const workflow = record(readYamlSubset(fs.readFileSync(path.join(ROOT, file), 'utf8')), file);
    const steps = Object.values(record(workflow.jobs, `${file} jobs`)).flatMap((job) => record(job, 'job').steps as YamlValue[]);
    const uses = steps.map((s) => record(s, 'step')).filter((s) => s.uses === './' || /\/pushbench@/.test(String(s.uses)));
    assert.equal(uses.length, 1, `${file} uses the action once`);
    const withKeys = Object.keys(record(uses[0]!.with, `${file} with`));
    assert.deepEqual(
      withKeys.filter((k) => !declared.includes(k)),
      [],
      `${file} passes undeclared inputs`,
    );
  }
});

test('docs/ci/README.md lists every input with its default and every output', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'docs', 'ci', 'README.md'), 'utf8');
  for (const [name, spec] of Object.entries(record(actionYml().inputs, 'inputs'))) {
    const value = record(spec, name).default;
    const shown = value === '' ? '(empty)' : `\`${String(value)}\``;
    assert.ok(readme.includes(`| \`${name}\` | ${shown} |`), `input ${name} with default ${shown}`);
  }
  for (const name of ACTION_OUTPUTS) assert.ok(readme.includes(`| \`${name}\` |`), `output ${name}`);
});
