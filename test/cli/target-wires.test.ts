/**
 * Targets on wires, as the CLI resolves them: a target is measured on the wires its file offers
 * (a wire it does not offer is exit 2 naming the ones it does), a technique it does not serve on
 * a wire is left out of that wire's scenario with the reason, and `--insecure` reaches every
 * target. Nothing runs: the parser and the scenario list only (the runs are in test/targets).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../core/errors.ts';
import { parseRunArgs } from '../../cli/options.ts';
import { runScenarios } from '../../run/scenarios.ts';
import { runCli } from '../helpers/cli.ts';

const NCHAN = 'targets/nchan/target.json';

test('a wire the target file does not offer is refused, naming the wires it offers', async () => {
  assert.throws(
    () => parseRunArgs(['--target-file', NCHAN, '--wire', 'h2,h2c']),
    (error: unknown) =>
      error instanceof ConfigError &&
      /invalid --wire: received "h2,h2c" with target "nchan", which does not offer h2c; it offers http, https, h2 \(its file's "wires"\)/.test(
        error.message,
      ),
  );
  assert.throws(
    () => parseRunArgs(['--target', 'http://127.0.0.1:9', '--wire', 'https']),
    (error: unknown) => error instanceof ConfigError && /with target "url", which does not offer https; it offers http/.test(error.message),
  );
  const result = await runCli(['run', '--target-file', NCHAN, '--wire', 'h2c']);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /does not offer h2c; it offers http, https, h2/);
});

test('on h2 Nchan serves polling, long polling and SSE; its WebSocket is left out of that scenario, with the reason', () => {
  const config = parseRunArgs(['--target-file', NCHAN, '--wire', 'https,h2']);
  const scenarios = runScenarios(config);
  const https = scenarios.find((s) => s.params.wire === 'https');
  const h2 = scenarios.find((s) => s.params.wire === 'h2');
  assert.deepEqual(https?.techniques, ['polling', 'longpoll', 'sse', 'websocket']);
  assert.deepEqual(h2?.techniques, ['polling', 'longpoll', 'sse']);
  assert.match(h2?.description ?? '', /Not measured on h2: target nchan does not serve websocket on it\./);
});

test('--insecure reaches every target; without it certificates are verified', () => {
  assert.deepEqual(
    parseRunArgs(['--target-file', NCHAN]).targets.map((t) => t.insecure),
    [false],
  );
  assert.deepEqual(
    parseRunArgs(['--target-file', `builtin,${NCHAN}`, '--insecure']).targets.map((t) => t.insecure),
    [true, true],
  );
});
