import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '../../core/errors.ts';
import { isLoopbackHost } from '../../core/loopback.ts';
import { TECHNIQUES } from '../../core/techniques.ts';
import { DEFAULT_RUN_CONFIG, DEFAULT_SERVE_CONFIG } from '../../run/config.ts';
import { RUN_HELP, SERVE_HELP, parseRunArgs, parseServeArgs } from '../../cli/options.ts';
import type { ReadTextFile } from '../../cli/options.ts';
import { exitCodeFor } from '../../cli/exit-codes.ts';

/** A readFile that serves these contents and fails like fs for any other path. */
function files(contents: Record<string, string>): ReadTextFile {
  return (file) => {
    const text = contents[file];
    if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${file}'`);
    return text;
  };
}

function assertConfigError(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'PUSHBENCH_INVALID_CONFIG');
    assert.equal(exitCodeFor(err), 2);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

const ALLOWED_RUN_FLAGS =
  '--technique, --workload, --clients, --rate, --payload, --interval, --hold, --duration, --warmup, --headers, ' +
  '--room-size, --generators, --server-processes, --ramp, --runs, --out, --quick, --target, --target-file, --allow-remote, --insecure, --delay-ms, --capacity, --verbose, --shard, --coordinator, --json, --wire, --tabs, --server-parts, --tls-cert, --tls-key, --config, --help';

describe('parseRunArgs: defaults and happy paths', () => {
  test('no flags gives the frozen defaults', () => {
    const config = parseRunArgs([]);
    assert.deepEqual(config, DEFAULT_RUN_CONFIG);
    assert.deepEqual(config.techniques, TECHNIQUES);
    assert.equal(config.workload, 'broadcast');
    assert.deepEqual(config.clients, [100]);
    assert.equal(config.rate, 1);
    assert.equal(config.payloadBytes, 64);
    assert.equal(config.intervalMs, 1000);
    assert.equal(config.holdMs, 30_000);
    assert.equal(config.durationMs, 10_000);
    assert.equal(config.warmupMs, 2000);
    assert.equal(config.headers, 'browser');
    assert.equal(config.roomSize, 10);
    assert.equal(config.generators, null);
    assert.equal(config.runs, 1);
    assert.equal(config.out, null);
    assert.equal(config.target, null);
    assert.equal(config.quick, false);
    assert.equal(config.allowRemote, false);
    assert.equal(config.capacity, false);
    assert.equal(config.delayMs, 0);
    assert.equal(config.help, false);
    assert.equal(config.explicit.size, 0);
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(DEFAULT_RUN_CONFIG));
    assert.ok(Object.isFrozen(config.techniques));
  });

  test('a client list makes an ascending sweep without duplicates', () => {
    assert.deepEqual(parseRunArgs(['--clients', '10,100,1000']).clients, [10, 100, 1000]);
    assert.deepEqual(parseRunArgs(['--clients', '1000, 10,10']).clients, [10, 1000]);
    assert.deepEqual(parseRunArgs(['--clients', '100000']).clients, [100_000]);
  });

  test('techniques come out in TECHNIQUES order without duplicates; all means every one', () => {
    assert.deepEqual(parseRunArgs(['--technique', 'websocket,sse,sse']).techniques, ['sse', 'websocket']);
    assert.deepEqual(parseRunArgs(['--technique', 'all']).techniques, TECHNIQUES);
    assert.deepEqual(parseRunArgs(['--technique', 'polling']).techniques, ['polling']);
  });

  test('--flag=value and --flag value are equivalent', () => {
    const a = parseRunArgs(['--rate=2.5', '--payload=128', '--workload=chat', '--headers=minimal']);
    const b = parseRunArgs(['--rate', '2.5', '--payload', '128', '--workload', 'chat', '--headers', 'minimal']);
    assert.deepEqual(a, b);
    assert.equal(a.rate, 2.5);
    assert.equal(a.payloadBytes, 128);
    assert.equal(a.workload, 'chat');
    assert.equal(a.headers, 'minimal');
  });

  test('durations take ms, s and m; a bare number is seconds for duration/warmup and ms for interval/hold', () => {
    const config = parseRunArgs(['--duration', '1.5s', '--warmup', '0', '--interval', '250', '--hold', '2m']);
    assert.equal(config.durationMs, 1500);
    assert.equal(config.warmupMs, 0);
    assert.equal(config.intervalMs, 250);
    assert.equal(config.holdMs, 120_000);
    assert.equal(parseRunArgs(['--duration', '5']).durationMs, 5000);
    assert.equal(parseRunArgs(['--duration', '500ms']).durationMs, 500);
    assert.equal(parseRunArgs(['--interval', '5s']).intervalMs, 5000);
    assert.equal(parseRunArgs(['--duration', '60m']).durationMs, 3_600_000);
  });

  test('boolean flags, generators, out and a loopback target', () => {
    const config = parseRunArgs(['--quick', '--capacity', '--generators', '4', '--out', 'results/x', '--target', 'http://127.0.0.1:8080/']);
    assert.equal(config.quick, true);
    assert.equal(config.capacity, true);
    assert.equal(config.generators, 4);
    assert.equal(config.out, 'results/x');
    assert.equal(config.target, 'http://127.0.0.1:8080');
    assert.equal(parseRunArgs(['--generators', 'auto']).generators, null);
    assert.equal(parseRunArgs(['--quick=false']).quick, false);
    assert.equal(parseRunArgs(['--target', 'ws://localhost:9000']).target, 'ws://localhost:9000');
    assert.equal(parseRunArgs(['--target', 'http://[::1]:9000']).target, 'http://[::1]:9000');
  });

  test('a remote target is allowed with --allow-remote', () => {
    const config = parseRunArgs(['--target', 'http://10.0.0.5:8080', '--allow-remote']);
    assert.equal(config.target, 'http://10.0.0.5:8080');
    assert.equal(config.allowRemote, true);
  });

  test('chat room size up to the largest client count; an unset room size shrinks to fit', () => {
    assert.equal(parseRunArgs(['--workload', 'chat', '--clients', '5,20', '--room-size', '20']).roomSize, 20);
    const shrunk = parseRunArgs(['--workload', 'chat', '--clients', '4']);
    assert.equal(shrunk.roomSize, 4);
    assert.ok(!shrunk.explicit.has('roomSize'));
    // Broadcast ignores the room size, so it is not checked against the clients.
    assert.equal(parseRunArgs(['--clients', '5', '--room-size', '50']).roomSize, 50);
  });

  test('explicit holds the RunConfig fields the user set, by flag or file', () => {
    const config = parseRunArgs(
      ['--config', 'c.json', '--clients', '10', '--quick'],
      files({
        'c.json': '{"duration": "5s", "room-size": 5}',
      }),
    );
    assert.deepEqual([...config.explicit].sort(), ['clients', 'durationMs', 'quick', 'roomSize']);
  });

  test('--help returns help: true', () => {
    assert.equal(parseRunArgs(['--help']).help, true);
    assert.equal(parseRunArgs(['-h']).help, true);
    // Help wins over anything else on the line, even bad values.
    assert.equal(parseRunArgs(['--rate', '-1', '--help']).help, true);
  });

  // Issue 8: a duplicated flag used to take its last value silently; it is an error naming it now.
  test('a flag given twice is refused, naming the flag and both occurrences', () => {
    assertConfigError(
      () => parseRunArgs(['--rate', '2', '--rate', '3']),
      'duplicate option --rate: received "--rate 2" and "--rate 3"; give each option once',
    );
  });
});

describe('parseRunArgs: config file', () => {
  const file = 'bench.json';
  const config = JSON.stringify({
    technique: ['sse', 'websocket'],
    clients: [10, 100],
    'room-size': 5,
    duration: '5s',
    workload: 'chat',
    rate: 2,
    quick: true,
  });

  test('keys of the file are applied like flags', () => {
    const result = parseRunArgs(['--config', file], files({ [file]: config }));
    assert.deepEqual(result.techniques, ['sse', 'websocket']);
    assert.deepEqual(result.clients, [10, 100]);
    assert.equal(result.roomSize, 5);
    assert.equal(result.durationMs, 5000);
    assert.equal(result.workload, 'chat');
    assert.equal(result.rate, 2);
    assert.equal(result.quick, true);
  });

  test('flags on the command line override the file, whatever their position', () => {
    const result = parseRunArgs(['--rate', '7', '--config', file, '--technique', 'polling'], files({ [file]: config }));
    assert.equal(result.rate, 7);
    assert.deepEqual(result.techniques, ['polling']);
    assert.deepEqual(result.clients, [10, 100]);
  });

  test('list keys accept a comma string; duration keys accept a bare number', () => {
    const result = parseRunArgs(
      ['--config', file],
      files({
        [file]: '{"technique": "websocket,sse", "clients": "10,100", "duration": 3, "interval": 200}',
      }),
    );
    assert.deepEqual(result.techniques, ['sse', 'websocket']);
    assert.deepEqual(result.clients, [10, 100]);
    assert.equal(result.durationMs, 3000);
    assert.equal(result.intervalMs, 200);
  });

  test('reads a real file with fs by default', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-config-'));
    try {
      const real = path.join(dir, 'c.json');
      fs.writeFileSync(real, '{"clients": [1, 2]}');
      assert.deepEqual(parseRunArgs([`--config=${real}`]).clients, [1, 2]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('unknown key', () => {
    assertConfigError(
      () => parseRunArgs(['--config', file], files({ [file]: '{"roomSize": 5}' })),
      'unknown key "roomSize" in config file "bench.json"; allowed: technique, workload, clients, rate, payload, ' +
        'interval, hold, duration, warmup, headers, room-size, generators, server-processes, ramp, runs, out, quick, target, target-file, allow-remote, insecure, delay-ms, capacity, verbose, shard, coordinator, json, wire, tabs, server-parts, tls-cert, tls-key',
    );
  });

  test('wrong type', () => {
    assertConfigError(
      () => parseRunArgs(['--config', file], files({ [file]: '{"rate": true}' })),
      'invalid "rate" in config file "bench.json": received true; expected a number > 0 and <= 100000',
    );
    assertConfigError(
      () => parseRunArgs(['--config', file], files({ [file]: '{"quick": "yes"}' })),
      'invalid "quick" in config file "bench.json": received "yes"; expected true or false',
    );
    assertConfigError(
      () => parseRunArgs(['--config', file], files({ [file]: '{"clients": [10, "many"]}' })),
      'invalid "clients" in config file "bench.json": received "many" (in [10,"many"]); ' +
        'expected a comma-separated list of integers from 1 to 100000',
    );
  });

  test('invalid JSON', () => {
    assertConfigError(
      () => parseRunArgs(['--config', file], files({ [file]: '{"rate": 1,' })),
      /^invalid JSON in config file "bench\.json": /,
    );
  });

  test('not an object', () => {
    assertConfigError(
      () => parseRunArgs(['--config', file], files({ [file]: '["sse"]' })),
      'config file "bench.json" must hold a JSON object such as {"technique": ["sse", "websocket"]}; received an array',
    );
  });

  test('unreadable file', () => {
    assertConfigError(
      () => parseRunArgs(['--config', 'missing.json'], files({})),
      `cannot read config file "missing.json": ENOENT: no such file or directory, open 'missing.json'`,
    );
    assertConfigError(
      () => parseRunArgs(['--config', path.join(os.tmpdir(), 'pushbench-no-such-file.json')]),
      /^cannot read config file ".*pushbench-no-such-file\.json": ENOENT/,
    );
  });

  test('a config file cannot name another config file', () => {
    assertConfigError(
      () => parseRunArgs(['--config', file], files({ [file]: '{"config": "other.json"}' })),
      /^unknown key "config" in config file "bench\.json"/,
    );
  });
});

describe('parseRunArgs: bad input', () => {
  test('unknown technique', () => {
    assertConfigError(
      () => parseRunArgs(['--technique', 'smoke']),
      `invalid --technique: received "smoke"; allowed: ${TECHNIQUES.join(', ')}, all (comma-separated list)`,
    );
    assertConfigError(
      () => parseRunArgs(['--technique', 'sse,smoke']),
      `invalid --technique: received "smoke" (in "sse,smoke"); allowed: ${TECHNIQUES.join(', ')}, all (comma-separated list)`,
    );
  });

  test('negative, zero, too large and non-numeric rate', () => {
    for (const value of ['-1', '0', '100001', 'fast', '']) {
      assertConfigError(() => parseRunArgs(['--rate', value]), `invalid --rate: received "${value}"; expected a number > 0 and <= 100000`);
    }
  });

  test('non-integer, zero and too many clients', () => {
    for (const value of ['1.5', '0', '100001', 'ten', '-5']) {
      assertConfigError(
        () => parseRunArgs(['--clients', value]),
        `invalid --clients: received "${value}"; expected a comma-separated list of integers from 1 to 100000`,
      );
    }
    assertConfigError(
      () => parseRunArgs(['--clients', '10,,100']),
      'invalid --clients: received "" (in "10,,100"); expected a comma-separated list of integers from 1 to 100000',
    );
  });

  test('payload out of range', () => {
    assertConfigError(
      () => parseRunArgs(['--payload', '0']),
      'invalid --payload: received "0"; expected an integer from 1 to 1048576 (bytes)',
    );
    assertConfigError(
      () => parseRunArgs(['--payload', '1048577']),
      'invalid --payload: received "1048577"; expected an integer from 1 to 1048576 (bytes)',
    );
  });

  test('bad duration unit: only ms, s and m', () => {
    assertConfigError(
      () => parseRunArgs(['--duration', '5h']),
      'invalid --duration: received "5h"; expected a duration from 100ms to 60m such as 500ms, 5s, 1.5s or 2m (a bare number means seconds)',
    );
    assertConfigError(
      () => parseRunArgs(['--hold', '-5s']),
      'invalid --hold: received "-5s"; expected a duration from 100ms to 10m such as 500ms, 5s, 1.5s or 2m (a bare number means milliseconds)',
    );
  });

  test('durations out of bounds', () => {
    assertConfigError(
      () => parseRunArgs(['--duration', '50ms']),
      /^invalid --duration: received "50ms"; expected a duration from 100ms to 60m/,
    );
    assertConfigError(() => parseRunArgs(['--duration', '61m']), /^invalid --duration: received "61m"/);
    assertConfigError(() => parseRunArgs(['--warmup', '11m']), /^invalid --warmup: received "11m"; expected a duration from 0 to 10m/);
    assertConfigError(() => parseRunArgs(['--interval', '5']), /^invalid --interval: received "5"; expected a duration from 10ms to 10m/);
    assertConfigError(() => parseRunArgs(['--hold', '99']), /^invalid --hold: received "99"; expected a duration from 100ms to 10m/);
  });

  test('unknown workload and header profile', () => {
    assertConfigError(() => parseRunArgs(['--workload', 'fanout']), 'invalid --workload: received "fanout"; allowed: broadcast, chat');
    assertConfigError(
      () => parseRunArgs(['--headers', 'curl']),
      'invalid --headers: received "curl"; expected browser, browser-cookie, minimal, kaazing-2010 or the path of a JSON or HAR header file (there is no file curl)',
    );
  });

  test('room size larger than the clients for chat', () => {
    assertConfigError(
      () => parseRunArgs(['--workload', 'chat', '--clients', '5,8', '--room-size', '9']),
      'invalid --room-size: received "9"; for the chat workload the room size must be <= the largest --clients value (8)',
    );
    assertConfigError(
      () => parseRunArgs(['--config', 'c.json'], files({ 'c.json': '{"workload": "chat", "clients": [4], "room-size": 5}' })),
      'invalid "room-size" in config file "c.json": received 5; for the chat workload the room size must be <= the largest --clients value (4)',
    );
    assertConfigError(() => parseRunArgs(['--room-size', '0']), 'invalid --room-size: received "0"; expected an integer >= 1');
  });

  test('bad --generators', () => {
    assertConfigError(
      () => parseRunArgs(['--generators', '0']),
      'invalid --generators: received "0"; expected an integer from 1 to 64 or auto (each generator is a Node process of about 100 MB)',
    );
  });

  test('--server-processes and --ramp: values, auto, and bad input naming what is allowed', () => {
    assert.equal(parseRunArgs([]).serverProcesses, 1);
    assert.equal(parseRunArgs(['--server-processes', '3']).serverProcesses, 3);
    assert.equal(parseRunArgs(['--server-processes', 'auto']).serverProcesses, Math.min(64, os.availableParallelism()));
    assert.equal(parseRunArgs([]).ramp, null);
    assert.equal(parseRunArgs(['--ramp', '5000']).ramp, 5000);
    assertConfigError(
      () => parseRunArgs(['--server-processes', '0']),
      `invalid --server-processes: received "0"; expected an integer from 1 to 64 or auto (one per core: ${os.availableParallelism()})`,
    );
    assertConfigError(() => parseRunArgs(['--ramp', '0']), 'invalid --ramp: received "0"; expected an integer from 1 to 100000');
  });

  test('bad --target URL', () => {
    const expected =
      'expected the origin of a pushbench server: http:// or ws://, a host and optionally a port, such as http://127.0.0.1:8080 (no user name, path, query or fragment)';
    assertConfigError(() => parseRunArgs(['--target', 'localhost:8080x']), `invalid --target: received "localhost:8080x"; ${expected}`);
    assertConfigError(() => parseRunArgs(['--target', 'not a url']), `invalid --target: received "not a url"; ${expected}`);
    assertConfigError(() => parseRunArgs(['--target', 'ftp://127.0.0.1/']), `invalid --target: received "ftp://127.0.0.1/"; ${expected}`);
  });

  test('--target is an origin: a user name, path, query or fragment is refused at parse time, not dropped', () => {
    const expected =
      'expected the origin of a pushbench server: http:// or ws://, a host and optionally a port, such as http://127.0.0.1:8080 (no user name, path, query or fragment)';
    // URLs read the backslash as a slash: host 127.0.0.1, path /@example.com (it used to fail later as "invalid url", exit 1).
    assertConfigError(
      () => parseRunArgs(['--target', 'http://127.0.0.1:8080\\@example.com']),
      `invalid --target: received "http://127.0.0.1:8080\\\\@example.com"; ${expected}; it has the path "/@example.com" (a backslash reads as /)`,
    );
    assertConfigError(
      () => parseRunArgs(['--target', 'http://127.0.0.1:8080/base?x=1#f']),
      `invalid --target: received "http://127.0.0.1:8080/base?x=1#f"; ${expected}; it has the path "/base", the query "?x=1", the fragment "#f"`,
    );
    assertConfigError(
      () => parseRunArgs(['--target', 'http://me:pw@127.0.0.1:8080']),
      `invalid --target: received "http://me:pw@127.0.0.1:8080"; ${expected}; it has a user name`,
    );
    assertConfigError(
      () => parseRunArgs(['--target', 'ws://localhost:9000/ws']),
      `invalid --target: received "ws://localhost:9000/ws"; ${expected}; it has the path "/ws"`,
    );
    assertConfigError(
      () => parseRunArgs(['--target', 'http://127.0.0.1:8080#']),
      `invalid --target: received "http://127.0.0.1:8080#"; ${expected}; it has the fragment "#"`,
    );
  });

  test("--allow-remote with pushbench's own servers only does nothing: refused, naming the flag", () => {
    const message = (label: string) =>
      `${label} does nothing in this run: it lets --target or --target-file name a server on another host, and this run measures pushbench's own servers, which always run on this host; drop ${label} or name the server with --target URL or --target-file FILE`;
    assertConfigError(() => parseRunArgs(['--allow-remote']), message('--allow-remote'));
    assertConfigError(() => parseRunArgs(['--allow-remote', '--target-file', 'builtin']), message('--allow-remote'));
    assertConfigError(
      () => parseRunArgs(['--config', 'c.json'], files({ 'c.json': '{"allow-remote": true}' })),
      message('"allow-remote" in config file "c.json"'),
    );
    assert.equal(parseRunArgs(['--allow-remote=false']).allowRemote, false);
    assert.equal(parseRunArgs(['--allow-remote', '--target', 'http://127.0.0.1:8080']).allowRemote, true);
  });

  test('a remote target is refused without --allow-remote', () => {
    assertConfigError(
      () => parseRunArgs(['--target', 'http://10.0.0.5:8080']),
      'refusing to load non-loopback target "http://10.0.0.5:8080" (host 10.0.0.5); pass --allow-remote to drive a server you own on another host',
    );
    assertConfigError(
      () => parseRunArgs(['--target', 'ws://example.com']),
      'refusing to load non-loopback target "ws://example.com" (host example.com); pass --allow-remote to drive a server you own on another host',
    );
  });

  test('unknown flag', () => {
    assertConfigError(() => parseRunArgs(['--foo']), `unknown option --foo; allowed: ${ALLOWED_RUN_FLAGS}`);
    assertConfigError(() => parseRunArgs(['--foo=1']), `unknown option --foo; allowed: ${ALLOWED_RUN_FLAGS}`);
  });

  test('positional argument', () => {
    assertConfigError(() => parseRunArgs(['sse']), `unexpected argument "sse"; options start with --, allowed: ${ALLOWED_RUN_FLAGS}`);
  });

  test('missing value', () => {
    assertConfigError(() => parseRunArgs(['--rate']), 'missing value for --rate; expected a number > 0 and <= 100000');
    assertConfigError(
      () => parseRunArgs(['--clients', '--quick']),
      'missing value for --clients; expected a comma-separated list of integers from 1 to 100000',
    );
    assertConfigError(() => parseRunArgs(['--config']), 'missing value for --config; expected the path of a JSON file');
  });

  test('bad boolean value', () => {
    assertConfigError(() => parseRunArgs(['--quick=yes']), 'invalid --quick: received "yes"; expected true or false');
  });
});

describe('isLoopbackHost', () => {
  test('loopback names and addresses', () => {
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]', '::1', '[::ffff:7f00:1]']) {
      assert.equal(isLoopbackHost(host), true, host);
    }
    for (const host of ['10.0.0.5', '128.0.0.1', 'example.com', '[::2]', '[::ffff:a00:5]', 'localhost.example.com']) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });
});

describe('parseServeArgs', () => {
  test('defaults', () => {
    const config = parseServeArgs([]);
    assert.deepEqual(config, DEFAULT_SERVE_CONFIG);
    assert.deepEqual(config.techniques, TECHNIQUES);
    assert.equal(config.port, 0);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.rate, 1);
    assert.equal(config.payloadBytes, 64);
    assert.equal(config.holdMs, 30_000);
    assert.equal(config.ringSize, 4096);
    assert.equal(config.rooms, 16);
    assert.equal(config.ringBytes, 64 * 1024 * 1024);
    assert.equal(config.maxMessageBytes, 65_536);
    assert.equal(config.help, false);
    assert.ok(Object.isFrozen(config));
  });

  test('every flag', () => {
    const config = parseServeArgs([
      '--technique',
      'sse,websocket',
      '--port=8080',
      '--host',
      '0.0.0.0',
      '--rate',
      '0',
      '--payload',
      '1024',
      '--hold',
      '5s',
      '--ring',
      '16',
      '--rooms',
      '0',
      '--ring-bytes',
      '1048576',
      '--max-message',
      '1000',
    ]);
    assert.deepEqual(config, {
      techniques: ['sse', 'websocket'],
      port: 8080,
      host: '0.0.0.0',
      rate: 0,
      payloadBytes: 1024,
      holdMs: 5000,
      ringSize: 16,
      rooms: 0,
      ringBytes: 1_048_576,
      maxMessageBytes: 1000,
      wires: ['http'],
      tlsCert: null,
      tlsKey: null,
      help: false,
    });
    assert.equal(parseServeArgs(['--help']).help, true);
  });

  test('bad input', () => {
    assertConfigError(() => parseServeArgs(['--port', '65536']), 'invalid --port: received "65536"; expected an integer from 0 to 65535');
    assertConfigError(() => parseServeArgs(['--rate', '-1']), 'invalid --rate: received "-1"; expected a number >= 0');
    assertConfigError(() => parseServeArgs(['--host', '']), 'invalid --host: received ""; expected a host name or IP address');
    assertConfigError(() => parseServeArgs(['--ring', '0']), 'invalid --ring: received "0"; expected an integer from 1 to 1000000');
    assertConfigError(
      () => parseServeArgs(['--rooms', '100001']),
      'invalid --rooms: received "100001"; expected an integer from 0 to 100000',
    );
    assertConfigError(
      () => parseServeArgs(['--ring-bytes', '1000']),
      'invalid --ring-bytes: received "1000"; expected an integer from 65536 to 17179869184 (bytes)',
    );
    assertConfigError(
      () => parseServeArgs(['--max-message', '16777217']),
      'invalid --max-message: received "16777217"; expected an integer from 1 to 16777216 (bytes)',
    );
    assertConfigError(
      () => parseServeArgs(['--technique', 'grpc']),
      `invalid --technique: received "grpc"; allowed: ${TECHNIQUES.join(', ')}, all (comma-separated list)`,
    );
    assertConfigError(
      () => parseServeArgs(['--config', 'x.json']),
      'unknown option --config; allowed: --technique, --port, --host, --rate, --payload, --hold, --ring, --rooms, --ring-bytes, --max-message, --wire, --tls-cert, --tls-key, --help',
    );
  });
});

describe('help text', () => {
  test('lists every flag with its default', () => {
    for (const flag of ALLOWED_RUN_FLAGS.split(', ')) assert.ok(RUN_HELP.includes(flag), flag);
    for (const fragment of [
      '(default: all)',
      '(default: 100)',
      '(default: 1s)',
      '(default: 30s)',
      '(default: 10s)',
      '(default: 2s)',
      '(default: 64)',
    ]) {
      assert.ok(RUN_HELP.includes(fragment), fragment);
    }
    assert.match(RUN_HELP, /bare number means seconds for --duration and\s+--warmup, and milliseconds for --interval and --hold/);
    for (const flag of ['--technique', '--port', '--host', '--rate', '--payload', '--hold', '--ring', '--max-message', '--help']) {
      assert.ok(SERVE_HELP.includes(flag), flag);
    }
    assert.ok(SERVE_HELP.includes('(default: 4096)'));
  });
});

describe('parseRunArgs: --delay-ms', () => {
  test('a one-way delay in ms, 0 to 10,000', () => {
    assert.equal(parseRunArgs(['--delay-ms', '5']).delayMs, 5);
    assert.equal(parseRunArgs(['--delay-ms', '0.5']).delayMs, 0.5);
  });

  test('out of range or not a number: named with the values allowed', () => {
    assertConfigError(() => parseRunArgs(['--delay-ms', '-1']), /invalid --delay-ms: received "?-1"?; expected a number >= 0 and <= 10000/);
    assertConfigError(
      () => parseRunArgs(['--delay-ms', 'soon']),
      /invalid --delay-ms: received "?soon"?; expected a number >= 0 and <= 10000/,
    );
  });
});
