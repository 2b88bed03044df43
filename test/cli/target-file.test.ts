/**
 * `--target-file`: resolved and validated at the entry point, exit 2 with an exact message for
 * every bad input (a file that is not JSON, one that is missing, a bad field, a name used twice,
 * a technique the target does not offer, chat against a foreign server, --target with it).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, TargetFileError } from '../../core/errors.ts';
import { parseRunArgs } from '../../cli/options.ts';
import { runCli } from '../helpers/cli.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-target-file-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const NCHAN = 'targets/nchan/target.json';
const nchan = JSON.parse(fs.readFileSync(new URL(`../../${NCHAN}`, import.meta.url), 'utf8')) as Record<string, any>;

function write(name: string, content: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function refused(argv: string[]): string {
  try {
    parseRunArgs(argv);
  } catch (error) {
    assert.ok(error instanceof ConfigError || error instanceof TargetFileError, String(error));
    return error.message;
  }
  assert.fail(`accepted ${argv.join(' ')}`);
}

test('builtin and a bundled target file resolve, in the order given', () => {
  const config = parseRunArgs(['--target-file', `builtin,${NCHAN}`]);
  assert.deepEqual(
    config.targets.map((t) => [t.name, t.kind, t.server.kind]),
    [
      ['builtin', 'builtin', 'builtin'],
      ['nchan', 'file', 'command'],
    ],
  );
  assert.deepEqual(
    parseRunArgs([]).targets.map((t) => t.name),
    ['builtin'],
  );
  assert.deepEqual(
    parseRunArgs(['--target', 'http://127.0.0.1:8080']).targets.map((t) => t.kind),
    ['url'],
  );
});

test('a file that is not JSON, a missing file, a bad field', () => {
  const notJson = write('not.json', '{"name": ');
  assert.match(refused(['--target-file', notJson]), new RegExp(`^invalid target file "${notJson}": not JSON \\(`));
  assert.match(refused(['--target-file', path.join(dir, 'missing.json')]), /^cannot read target file ".*missing\.json": ENOENT/);
  const bad = write('bad.json', { ...nchan, publish: { ...nchan.publish, body: 'hello' } });
  assert.equal(
    refused(['--target-file', bad]),
    `invalid target file "${bad}": $.publish.body: expected a template containing {message}, found "hello"`,
  );
});

test('two targets of one name', () => {
  const copy = write('copy.json', nchan);
  assert.equal(
    refused(['--target-file', `${NCHAN},${copy}`]),
    `invalid --target-file: "${NCHAN}" and "${copy}" are both named "nchan"; expected targets with distinct names`,
  );
});

test('a technique asked for by name that a target does not offer; all means what each offers', () => {
  // Nchan's file narrowed to its WebSocket, on the wires that carry it there.
  const wsOnly = { ...nchan, name: 'ws-only', techniques: { websocket: nchan.techniques.websocket }, wires: { http: 'all', https: 'all' } };
  const file = write('ws-only.json', wsOnly);
  assert.equal(
    refused(['--target-file', file, '--technique', 'sse,websocket']),
    `invalid --technique: received "sse", which target file "${file}" does not offer; it offers websocket`,
  );
  assert.deepEqual(parseRunArgs(['--target-file', file]).targets[0]!.techniques, ['websocket']);
});

test('chat against a foreign server: a target file that names its rooms; not --target URL, not a WebSocket without publishFrame, not a path without {room}', () => {
  assert.equal(parseRunArgs(['--target-file', NCHAN, '--workload', 'chat']).workload, 'chat');
  assert.equal(
    refused(['--target', 'http://127.0.0.1:9', '--workload', 'chat']),
    'invalid --workload: received "chat" with target "url": the chat workload is not measured against --target URL: pushbench cannot count what that server accepted per room; use a target file (its publish request, or a WebSocket publishFrame) or the broadcast workload',
  );
  const { publishFrame: _frame, ...silentWs } = nchan.techniques.websocket as Record<string, unknown>;
  const noFrame = write('no-frame.json', { ...nchan, name: 'no-frame', techniques: { ...nchan.techniques, websocket: silentWs } });
  assert.equal(
    refused(['--target-file', noFrame, '--workload', 'chat', '--technique', 'websocket']),
    `invalid --workload: received "chat" with target file "${noFrame}": target no-frame offers no chat over websocket: techniques.websocket has no publishFrame (a text frame containing {message}, sent on the client's own socket)`,
  );
  const oneRoom = write('one-room.json', {
    ...nchan,
    name: 'one-room',
    techniques: { ...nchan.techniques, sse: { ...nchan.techniques.sse, path: '/sub/sse' } },
  });
  assert.equal(
    refused(['--target-file', oneRoom, '--workload', 'chat', '--technique', 'sse', '--clients', '20', '--room-size', '10']),
    `invalid --workload: received "chat" with target file "${oneRoom}": target one-room: chat in rooms of 10 needs {room} in every path of sse, found "/sub/sse"; use --room-size 20 for one room`,
  );
  assert.equal(
    parseRunArgs(['--target-file', oneRoom, '--workload', 'chat', '--technique', 'sse', '--clients', '20', '--room-size', '20']).roomSize,
    20,
  );
  assert.match(refused(['--target', 'http://127.0.0.1:9', '--target-file', NCHAN]), /^--target and --target-file cannot be combined/);
});

test('a non-loopback origin is refused without --allow-remote', () => {
  const remote = write('remote.json', { ...nchan, name: 'remote', origin: 'http://192.0.2.1:80', server: undefined });
  assert.equal(
    refused(['--target-file', remote]),
    `refusing to load non-loopback target "${remote}" (host 192.0.2.1); pass --allow-remote to drive a server you own on another host`,
  );
});

test('the command exits 2 and writes nothing', async () => {
  const out = path.join(dir, 'out');
  const result = await runCli(['run', '--target-file', write('broken.json', '[]'), '--out', out]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /invalid target file ".*broken\.json": \$: expected an object, found an empty array/);
  assert.equal(fs.existsSync(out), false);
});

test('a target-file run of more than ten technique runs prints no MaxListenersExceededWarning (one abort listener per run used to pile up on the session signal)', {
  timeout: 180_000,
}, async () => {
  const out = path.join(dir, 'many-runs');
  // 2 techniques x 6 runs = 12 technique runs on one signal; the warning came at the 11th.
  const result = await runCli([
    'run',
    '--target-file',
    'builtin',
    '--technique',
    'polling,websocket',
    '--runs',
    '6',
    '--clients',
    '2',
    '--rate',
    '20',
    '--duration',
    '200ms',
    '--warmup',
    '50ms',
    '--interval',
    '100',
    '--out',
    out,
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal((result.stderr.match(/websocket: completed/g) ?? []).length, 6, 'every run took place');
  assert.doesNotMatch(result.stderr, /MaxListenersExceededWarning|memory leak/);
});
