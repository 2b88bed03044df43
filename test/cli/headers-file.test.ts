/**
 * `pushbench run --headers FILE` as a user meets it: a header file drives a tiny real run
 * (the profile is recorded and its bytes reach the server), and bad files exit 2 with the
 * exact reason and write nothing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { CompletedResult, ResultsFile } from '../../core/results.ts';
import { runCli } from '../helpers/cli.ts';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-headers-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

test('bad header files exit 2, naming the file and the problem, and nothing is written', async () => {
  const out = path.join(dir, 'never');
  const notHar = write('capture.har', '{"entries": []}');
  const host = write('host.json', '{"poll": [["Host", "example.com"]]}');
  const upgrade = write('upgrade.json', '{"upgrade": [["Upgrade", "h2c"]]}');
  const broken = write('broken.json', JSON.stringify({ poll: [['X-Evil', 'a\r\nHost: other']] }));
  const cases: Array<[string, string]> = [
    [notHar, `invalid --headers: ${notHar} is not a HAR file: expected {"log": {"entries": [...]}}, received {"entries":[]}`],
    [
      host,
      `invalid --headers: ${host} sets "Host" in poll; the client writes Host, Connection, Content-Length, Upgrade, Transfer-Encoding, Sec-WebSocket-Key and Sec-WebSocket-Version itself: leave them out`,
    ],
    [
      upgrade,
      `invalid --headers: ${upgrade} sets "Upgrade" in upgrade; the client writes Host, Connection, Content-Length, Upgrade, Transfer-Encoding, Sec-WebSocket-Key and Sec-WebSocket-Version itself: leave them out`,
    ],
    [
      broken,
      `invalid --headers: ${broken} has a line break in the value of "X-Evil" in poll: "a\\r\\nHost: other"; names and values must be one line each`,
    ],
  ];
  for (const [file, message] of cases) {
    const result = await runCli(['run', '--headers', file, '--out', out]);
    assert.equal(result.code, 2, result.stderr);
    assert.ok(result.stderr.split('\n').includes(`pushbench run: ${message}`), `stderr: ${result.stderr}`);
  }
  assert.equal(fs.existsSync(out), false, 'nothing was written');
});

test('a JSON header file drives the run: recorded in results.json, its bytes on the wire', async () => {
  const trace = 'x'.repeat(1000);
  const file = write(
    'probe.json',
    JSON.stringify({
      poll: [
        ['User-Agent', 'probe/1.0'],
        ['X-Trace', trace],
      ],
    }),
  );
  const out = path.join(dir, 'run');
  const result = await runCli([
    'run',
    '--technique',
    'polling',
    '--headers',
    file,
    '--clients',
    '2',
    '--rate',
    '10',
    '--duration',
    '300ms',
    '--warmup',
    '100ms',
    '--interval',
    '100',
    '--out',
    out,
  ]);
  assert.equal(result.code, 0, result.stderr);
  const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as ResultsFile;
  assert.equal(results.scenarios[0]!.params.headers, 'file:probe.json');
  assert.deepEqual(results.headerProfiles['file:probe.json'], [
    ['User-Agent', 'probe/1.0'],
    ['X-Trace', trace],
  ]);
  assert.equal(results.headerProfileDetails?.['file:probe.json']?.source, `the header file ${file}`);
  const polling = results.scenarios[0]!.results.polling as CompletedResult;
  assert.equal(polling.state, 'completed');
  assert.ok(polling.agreement?.agree);
  assert.ok(polling.requests !== null && polling.requests.total > 0);
  // `User-Agent: probe/1.0` (21) + `X-Trace: x...` (1,011) on top of a request line, host and connection of under 100 bytes.
  const head = polling.model!.requestHeadBytes;
  assert.ok(head > 21 + 1011 && head < 21 + 1011 + 100, `request head ${head} B`);
  // And on the wire: every request is that head (the seq has one digit all run long); the
  // window's byte snapshots may fall between a request and its count, so one request either way.
  assert.equal(polling.bytes.up % head, 0, `${polling.bytes.up} B up is a whole number of ${head}-byte requests`);
  assert.ok(
    Math.abs(polling.bytes.up / head - polling.requests.total) <= 1,
    `${polling.bytes.up / head} requests on the wire, ${polling.requests.total} counted`,
  );
});
