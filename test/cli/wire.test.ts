/**
 * `--wire`, `--tls-cert` and `--tls-key` as a user meets them: a tiny run on two wires whose
 * results name each scenario's wire (every technique delivering, bytes agreeing), `serve` on
 * HTTP/2 with the user's certificate, and every bad input refused with exit 2 before anything
 * runs, naming the value (or the file) and what is allowed.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http2 from 'node:http2';
import os from 'node:os';
import path from 'node:path';
import type tls from 'node:tls';
import { after, before, test } from 'node:test';
import type { ResultsFile } from '../../core/results.ts';
import { resultsProblems } from '../../core/results-validate.ts';
import { selfSignedIdentity } from '../../servers/tls-cert.ts';
import { ConfigError } from '../../core/errors.ts';
import { parseRunArgs } from '../../cli/options.ts';
import { runCli, startCli } from '../helpers/cli.ts';

let dir: string;
let cert: string;
let key: string;
let otherKey: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-wire-'));
  const identity = selfSignedIdentity();
  cert = path.join(dir, 'cert.pem');
  key = path.join(dir, 'key.pem');
  otherKey = path.join(dir, 'other-key.pem');
  fs.writeFileSync(cert, identity.cert);
  fs.writeFileSync(key, identity.key);
  fs.writeFileSync(otherKey, selfSignedIdentity().key);
  fs.writeFileSync(path.join(dir, 'not-pem.txt'), 'hello\n');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const TINY = ['--clients', '4', '--rate', '20', '--duration', '300ms', '--warmup', '100ms', '--interval', '100'];

test('--wire http,h2 runs each scenario on each wire, names the wire in results.json, and every technique delivers with bytes agreeing', async () => {
  const out = path.join(dir, 'two-wires');
  const result = await runCli([
    'run',
    '--technique',
    'polling,sse,websocket',
    '--wire',
    'h2,http',
    '--tls-cert',
    cert,
    '--tls-key',
    key,
    ...TINY,
    '--out',
    out,
  ]);
  assert.equal(result.code, 0, result.stderr);
  const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as ResultsFile;
  assert.deepEqual(resultsProblems(results), []);
  // WIRES order, whatever the order typed; the default wire keeps the scenario's id.
  assert.deepEqual(
    results.scenarios.map((s) => [s.id, s.params.wire]),
    [
      ['broadcast', 'http'],
      ['broadcast-h2', 'h2'],
    ],
  );
  assert.match(results.scenarios[1]!.title, /over HTTP\/2 \+ TLS$/);
  for (const scenario of results.scenarios) {
    for (const technique of ['polling', 'sse', 'websocket'] as const) {
      const measured = scenario.results[technique];
      assert.equal(measured?.state, 'completed', `${scenario.id} ${technique}: ${measured?.state === 'completed' ? '' : measured?.error}`);
      if (measured?.state !== 'completed') continue;
      assert.ok(measured.messages.expected > 0);
      assert.equal(measured.messages.delivered, measured.messages.expected, `${scenario.id} ${technique}`);
      assert.equal(measured.agreement?.agree, true, `${scenario.id} ${technique}: ${JSON.stringify(measured.agreement)}`);
      // The model has the TLS and HTTP/2 terms: shown on every wire; the byte parts on every wire but http, where a WebSocket's handshake is the only part.
      assert.notEqual(measured.model, null, `${scenario.id} ${technique} model`);
      const parted = scenario.params.wire !== 'http' || technique === 'websocket';
      assert.equal(measured.wireParts !== undefined, parted, `${scenario.id} ${technique} wireParts`);
    }
  }
});

test('a technique named on a wire that cannot carry it is refused before the run, naming both and the wires that would', async () => {
  const out = path.join(dir, 'refused');
  const result = await runCli(['run', '--technique', 'sse,websocket-deflate', '--wire', 'http,h2', ...TINY, '--out', out]);
  assert.equal(result.code, 2);
  assert.match(
    result.stderr,
    /technique websocket-deflate cannot run on wire h2 \(HTTP\/2 \+ TLS\): permessage-deflate is negotiated on the HTTP\/1\.1 Upgrade only so far, not on an RFC 8441 extended CONNECT; wires that carry websocket-deflate: http, https/,
  );
  assert.equal(fs.existsSync(out), false, 'nothing was written');
});

test('bad --wire values, certificate and key files exit 2 naming the value or the file and the cause', async () => {
  const out = path.join(dir, 'never');
  const missing = path.join(dir, 'missing.pem');
  const notPem = path.join(dir, 'not-pem.txt');
  const cases: Array<[string[], RegExp]> = [
    [['--wire', 'h3'], /invalid --wire: received "h3"; allowed: http, https, h2, h2c \(comma-separated list\)/],
    [['--wire', 'http,quic'], /invalid --wire: received "quic" \(in "http,quic"\); allowed: http, https, h2, h2c/],
    [
      ['--wire', 'https', '--tls-cert', missing, '--tls-key', key],
      new RegExp(`invalid --tls-cert: cannot read "${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}": ENOENT`),
    ],
    [['--wire', 'https', '--tls-cert', notPem, '--tls-key', key], /invalid --tls-cert: ".*not-pem\.txt" holds no PEM certificate/],
    [['--wire', 'https', '--tls-cert', cert, '--tls-key', notPem], /invalid --tls-key: ".*not-pem\.txt" holds no PEM private key/],
    [
      ['--wire', 'h2', '--tls-cert', cert, '--tls-key', otherKey],
      /invalid --tls-key: the key in ".*other-key\.pem" does not match the certificate in ".*cert\.pem"/,
    ],
    [['--wire', 'h2', '--tls-cert', cert], /--tls-cert needs --tls-key: received --tls-cert ".*cert\.pem" alone/],
    [['--tls-cert', cert, '--tls-key', key], /--tls-cert and --tls-key need a TLS wire: received --wire http; TLS wires: https, h2/],
  ];
  // Each is a ConfigError from the parser (exit 2 in the CLI, checked for two of them below), thrown before anything runs.
  for (const [args, message] of cases) {
    assert.throws(
      () => parseRunArgs([...args, '--out', out]),
      (error: unknown) => error instanceof ConfigError && message.test(error.message),
      args.join(' '),
    );
  }
  for (const index of [0, 5]) {
    const [args, message] = cases[index]!;
    const result = await runCli(['run', ...args, '--out', out]);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message, args.join(' '));
  }
  assert.equal(fs.existsSync(out), false, 'nothing was written');

  const serveTwo = await runCli(['serve', '--wire', 'http,h2']);
  assert.equal(serveTwo.code, 2);
  assert.match(
    serveTwo.stderr,
    /invalid --wire: received "http,h2"; pushbench serve listens on one port, so on one wire: one of http, https, h2, h2c/,
  );
  const serveBad = await runCli(['serve', '--wire', 'spdy']);
  assert.equal(serveBad.code, 2);
  assert.match(serveBad.stderr, /invalid --wire: received "spdy"; allowed: http, https, h2, h2c/);
});

test('serve --wire h2 with the user certificate: an https URL, the techniques HTTP/2 carries, polls answered on h2 with that certificate', async () => {
  const { child, firstLine, closed } = await startCli(['serve', '--wire', 'h2', '--tls-cert', cert, '--tls-key', key, '--rate', '20']);
  try {
    const info = JSON.parse(firstLine) as { url: string; wire: string; techniques: string[] };
    assert.match(info.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(info.wire, 'h2');
    assert.deepEqual(info.techniques, ['polling', 'longpoll', 'sse', 'websocket'], 'all but the compressed WebSocket');
    const fingerprint = new crypto.X509Certificate(fs.readFileSync(cert)).fingerprint256;
    const session = http2.connect(info.url, { ca: fs.readFileSync(cert), servername: 'localhost' });
    session.on('error', () => {});
    try {
      const { status, body, peer } = await new Promise<{ status: number; body: string; peer: string }>((resolve, reject) => {
        const stream = session.request({ ':path': '/longpoll?since=0' });
        let status = 0;
        let body = '';
        stream.once('response', (head) => (status = Number(head[':status'])));
        stream.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        stream.once('end', () =>
          resolve({ status, body, peer: (session.socket as tls.TLSSocket).getPeerX509Certificate()?.fingerprint256 ?? '' }),
        );
        stream.once('error', reject);
      });
      assert.equal(status, 200);
      assert.equal(session.alpnProtocol, 'h2');
      assert.equal(peer, fingerprint, "the user's certificate, trusted as its own CA");
      assert.ok((JSON.parse(body) as Array<{ seq: number }>)[0]!.seq >= 1);
    } finally {
      session.destroy();
    }
  } finally {
    child.kill('SIGINT');
  }
  assert.equal(await closed, 0);
});
