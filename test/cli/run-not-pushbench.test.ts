/**
 * `--target URL` aimed at a server that is not pushbench (issue 8): SSE and long polling used to
 * report `completed, 0/0`, exit 0. Now a client that is refused fails the technique at once with
 * the status and the start of the answer, and a run that delivers nothing is never completed:
 * both exit 1.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { ResultsFile } from '../../core/results.ts';
import { runCli } from '../helpers/cli.ts';

const TINY = ['--clients', '2', '--rate', '20', '--duration', '300ms', '--warmup', '100ms'];
let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-not-pushbench-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A plain HTTP server: it accepts POST /publish (204) and answers everything else with `answer`. */
async function foreign(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((req, res) => {
    if (req.method === 'POST') {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
      return;
    }
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

function results(out: string): ResultsFile {
  return JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as ResultsFile;
}

test('a server that answers 404: SSE and long polling fail with the status and the answer, exit 1', async () => {
  const server = await foreign((_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('Not here. This is not pushbench.'));
  try {
    const out = path.join(dir, '404');
    const run = await runCli(['run', '--target', server.url, '--technique', 'longpoll,sse', ...TINY, '--out', out]);
    assert.equal(run.code, 1, run.stderr);
    for (const technique of ['longpoll', 'sse'] as const) {
      const r = results(out).scenarios[0]!.results[technique]!;
      assert.equal(r.state, 'failed');
      assert.match(r.state === 'failed' ? r.error : '', /answered 404: Not here\. This is not pushbench\.$/);
    }
  } finally {
    server.close();
  }
});

test('a server that keeps an event stream open and sends nothing: delivered 0 is a failure, exit 1', async () => {
  const server = await foreign((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': nothing for you\n\n');
  });
  try {
    const out = path.join(dir, 'silent');
    const run = await runCli(['run', '--target', server.url, '--technique', 'sse', ...TINY, '--out', out]);
    assert.equal(run.code, 1, run.stderr);
    const r = results(out).scenarios[0]!.results.sse!;
    assert.equal(r.state, 'failed');
    // 300 ms at 20 msg/s: 6 publishes, all accepted, times 2 clients.
    assert.equal(r.state === 'failed' ? r.error : '', 'nothing delivered: 0 of 12 expected messages arrived');
  } finally {
    server.close();
  }
});

test('a plain server that answers every request 200 "hello": not a refusal, the message says what pushbench answers and points to --target-file, exit 1', async () => {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('hello'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const out = path.join(dir, 'hello');
    // Polling reads "hello" as a batch without stamps (unmatched), so the publisher's answer is the one failure.
    const run = await runCli([
      'run',
      '--target',
      `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
      '--technique',
      'polling',
      ...TINY,
      '--out',
      out,
    ]);
    assert.equal(run.code, 1, run.stderr);
    const r = results(out).scenarios[0]!.results.polling!;
    assert.equal(r.state, 'failed');
    assert.equal(
      r.state === 'failed' ? r.error : '',
      'the target did not accept a publish: POST /publish answered 200: hello (accepted: 204). A pushbench server (pushbench serve --rate 0) answers POST /publish with 204 and no body; ' +
        '--target drives pushbench servers only: for another server, describe how to publish and subscribe in a target file (targets/target.schema.json) and pass it with --target-file FILE',
    );
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
