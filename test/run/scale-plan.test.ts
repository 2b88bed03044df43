/**
 * The plan of a large run (run/scale-plan.ts) on hand-worked cases, its refusal with the
 * arithmetic at the command line (exit 2), and a tiny run whose two generator processes
 * connect from two loopback source addresses.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { PLAIN_WS_TECHNIQUE } from '../../core/techniques.ts';
import type { CompletedResult } from '../../core/results.ts';
import { liveChildren } from '../../run/children.ts';
import { runScenarios } from '../../run/runner.ts';
import {
  CONNECTION_BYTES,
  describePlan,
  MEMORY_RESERVE_BYTES,
  planScale,
  PROCESS_BASE_BYTES,
  type MachineLimits,
} from '../../run/scale-plan.ts';
import { planLines } from '../../cli/execute.ts';
import { tinyParams } from '../helpers/tiny-params.ts';

// This machine: 20,000 files per process (64 kept for Node), ports 32768-60999, 22 GiB available.
const BOX: MachineLimits = { fileLimit: 20_000, reservedFiles: 64, portsPerAddress: 28_232, availableBytes: 22 * 1024 ** 3 };
const plan = (
  clients: number,
  extra: { generators?: number | null; serverProcesses?: number; socketsPerClient?: number } = {},
  limits = BOX,
) =>
  planScale(
    {
      clients,
      socketsPerClient: extra.socketsPerClient ?? 1,
      requestedGenerators: extra.generators ?? null,
      serverProcesses: extra.serverProcesses ?? 1,
      builtinServer: true,
    },
    limits,
  );

test('100,000 clients: 20 generators of 5,000, four source addresses of five generators, eight server processes of 12,500', () => {
  // Six processes would hold 16,667 each on an even deal, × 1.5 for the kernel's uneven one = 25,001: over 19,936.
  assert.match(
    plan(100_000, { serverProcesses: 6 }).refusals[0]!,
    /= 16667 each, × 1\.5 for the kernel's uneven deal = 25001, over the 20000 open-file limit less 64 = 19936; use --server-processes 8 or more$/,
  );
  const p = plan(100_000, { serverProcesses: 8 });
  assert.equal(p.generators, 20); // ceil(100,000 / min(5,000, 19,936))
  assert.equal(p.socketsPerGenerator, 5000);
  // (28,232 - 1,000 spare) = 27,232 ports per address: floor(27,232 / 5,000) = 5 generators each, ceil(20 / 5) = 4 addresses.
  assert.equal(p.addressCount, 4);
  assert.deepEqual(p.sourceAddresses.slice(0, 6), ['127.0.0.2', '127.0.0.2', '127.0.0.2', '127.0.0.2', '127.0.0.2', '127.0.0.3']);
  assert.equal(p.sourceAddresses.at(-1), '127.0.0.5');
  assert.equal(p.socketsPerServerProcess, 12_500); // 100,000 / 8, × 1.5 = 18,750 <= 19,936
  assert.equal(p.memoryBytes, 28 * PROCESS_BASE_BYTES + 100_000 * CONNECTION_BYTES);
  assert.deepEqual(p.refusals, []);
});

test('a small run: one generator, no source address set, nothing refused', () => {
  const p = plan(100);
  assert.equal(p.generators, 1);
  assert.equal(p.socketsPerGenerator, 100);
  assert.deepEqual(p.sourceAddresses, []);
  assert.equal(p.addressCount, 1);
  assert.deepEqual(p.refusals, []);
});

test('chat doubles the sockets: 12,000 HTTP chat clients need 24,000 sockets, 5 generators of 4,800', () => {
  const p = plan(12_000, { socketsPerClient: 2, serverProcesses: 2 });
  assert.equal(p.sockets, 24_000);
  assert.equal(p.generators, 5); // ceil(24,000 / 5,000)
  assert.equal(p.socketsPerGenerator, 4800); // ceil(12,000 / 5) × 2
  assert.equal(p.socketsPerServerProcess, 12_000);
  assert.deepEqual(p.refusals, []);
});

test('refusals carry the arithmetic: files per server process, files and ports per generator, memory', () => {
  const server = plan(40_000);
  // ceil(40,000 × 1.5 / 19,936) = 4.
  assert.deepEqual(server.refusals, [
    'files: 40000 server sockets in one server process, over the 20000 open-file limit less 64 = 19936; use --server-processes 4 or more',
  ]);
  const generators = plan(60_000, { generators: 2, serverProcesses: 5 });
  assert.equal(generators.refusals.length, 2);
  assert.match(
    generators.refusals[0]!,
    /^files: 2 generator process\(es\) would hold 30000 sockets each, over the 20000 open-file limit less 64 for Node = 19936; use --generators 4 or more, or auto$/,
  );
  assert.match(
    generators.refusals[1]!,
    /^ports: one generator process would open 30000 connections from one source address, over the 28232 ephemeral ports less 1000 spare = 27232/,
  );
  const small = { ...BOX, availableBytes: MEMORY_RESERVE_BYTES + 1024 ** 3 };
  const memory = plan(20_000, { serverProcesses: 2 }, small);
  // 4 generators + 2 servers = 6 × 100 MiB + 20,000 × 48 KiB = 600 MiB + 937.5 MiB = 1.5 GiB, over 5 GiB - 4 GiB = 1.0 GiB.
  assert.deepEqual(memory.refusals, [
    'memory: 6 processes × 100 MiB + 20000 connections × 48 KiB = 1.5 GiB, over the 5.0 GiB available less 4.0 GiB kept free = 1.0 GiB',
  ]);
});

test('the command line refuses a count the plan cannot reach before anything starts, and prints the plan of a large one', () => {
  const spec = (clients: number) => ({
    id: 's',
    group: 's',
    title: 's',
    description: '',
    params: tinyParams({ clients }),
    techniques: [PLAIN_WS_TECHNIQUE],
  });
  const refused = planLines({ generators: null, serverProcesses: 1 }, [spec(40_000)]);
  assert.equal(refused.refusals.length, 1);
  assert.match(refused.refusals[0]!, /^40000 websocket clients: files: 40000 server sockets in one server process/);
  const fine = planLines({ generators: null, serverProcesses: 4 }, [spec(40_000)]);
  assert.deepEqual(fine.refusals, []);
  assert.match(
    fine.lines[0]!,
    /^plan for 40000 websocket clients: 8 generator process\(es\) × ≤ 5000 sockets, .*4 server process\(es\) × ~10000 sockets/,
  );
  assert.deepEqual(planLines({ generators: null, serverProcesses: 1 }, [spec(10)]).lines, [], 'a small run prints no plan');
});

/** Local addresses of the established connections to `port`, from /proc/net/tcp. */
function sourceAddressesTo(port: number): Set<string> {
  const out = new Set<string>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const [, local, remote, state] = line.trim().split(/\s+/);
    if (local === undefined || remote === undefined || state !== '01') continue;
    if (parseInt(remote.split(':')[1]!, 16) !== port) continue;
    const hex = local.split(':')[0]!;
    // /proc/net/tcp prints the IPv4 address as a little-endian hex word.
    out.add([6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.'));
  }
  return out;
}

test('a tiny run across two source addresses: each generator process connects from its own, every message delivered', {
  timeout: 120_000,
}, async () => {
  let port = 0;
  let seen = new Set<string>();
  const [scenario] = await runScenarios(
    [
      {
        id: 'addr',
        group: 'addr',
        title: 'addr',
        description: '',
        params: tinyParams({ clients: 20 }),
        techniques: [PLAIN_WS_TECHNIQUE, 'polling'],
      },
    ],
    {
      signal: new AbortController().signal,
      generators: 2,
      sourceAddresses: ['127.0.0.2', '127.0.0.3'],
      progress: () => {},
      onServer: (_technique, server) => (port = Number(new URL(server.url).port)),
      onGenerators: () => (seen = new Set([...seen, ...sourceAddressesTo(port)])),
    },
  );
  for (const technique of [PLAIN_WS_TECHNIQUE, 'polling'] as const) {
    const result = scenario!.results[technique] as CompletedResult;
    assert.equal(result.state, 'completed', (result as { error?: string }).error);
    assert.equal(result.messages.delivered, result.messages.expected);
    assert.equal(result.agreement?.agree, true);
    // 20 clients over two addresses, one generator each: the busiest address holds 10 connections.
    assert.equal(result.machine?.portsBusiest, 10);
  }
  assert.deepEqual([...seen].sort(), ['127.0.0.2', '127.0.0.3']);
  assert.equal(liveChildren(), 0);
});

test("the plan's line names the built-in server's processes, and a target's server as one holder of every socket", () => {
  const builtin = plan(100_000, { serverProcesses: 8 });
  assert.match(describePlan(builtin, 100_000, 'websocket', 8), /, 8 server process\(es\) × ~12500 sockets; memory/);
  const target = planScale(
    { clients: 100_000, socketsPerClient: 1, requestedGenerators: null, serverProcesses: 1, builtinServer: false },
    BOX,
  );
  const line = describePlan(target, 100_000, 'websocket', 0);
  assert.match(line, /, the target's server holds 100000 sockets; memory/);
  assert.doesNotMatch(line, /0 server process/);
});
