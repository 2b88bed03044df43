/**
 * `--target` against a server that is not pushbench: every technique fails, naming the status
 * its clients (or the publisher) met and the start of the answer, instead of "completed, 0/0".
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { ResultsFile } from '../../core/results.ts';
import { runCli } from '../helpers/cli.ts';

let dir: string;
let foreign: http.Server;
let origin: string;
before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-refused-'));
  foreign = http.createServer((req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end(`no route for ${req.url}`));
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(foreign.address() as net.AddressInfo).port}`;
});
after(() => {
  foreign.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const TINY = ['--clients', '2', '--rate', '20', '--duration', '300ms', '--warmup', '100ms', '--interval', '100'];

test('a foreign server that answers 404: every technique fails naming the 404 and the answer, exit 1', async () => {
  const out = path.join(dir, 'foreign');
  const result = await runCli(['run', '--target', origin, ...TINY, '--out', out]);
  assert.equal(result.code, 1, result.stderr);
  const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as ResultsFile;
  const techniqueResults = Object.entries(results.scenarios[0]!.results);
  assert.ok(techniqueResults.length >= 4);
  for (const [technique, r] of techniqueResults) {
    assert.equal(r.state, 'failed', `${technique} must not complete against a server that answers 404`);
    if (r.state === 'failed') assert.match(r.error, /answered 404(: no route for \/)?/, technique);
  }
});

test('a closed port: every technique fails naming ECONNREFUSED', async () => {
  const free = net.createServer();
  await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
  const port = (free.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => free.close(() => resolve()));
  const out = path.join(dir, 'closed');
  const result = await runCli(['run', '--target', `http://127.0.0.1:${port}`, ...TINY, '--out', out]);
  assert.equal(result.code, 1, result.stderr);
  const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as ResultsFile;
  for (const [technique, r] of Object.entries(results.scenarios[0]!.results)) {
    assert.equal(r.state, 'failed', technique);
    if (r.state === 'failed') assert.match(r.error, /ECONNREFUSED/, technique);
  }
});
