/**
 * The plan of a large run on one machine: how many generator processes, how many sockets each,
 * which loopback source addresses they connect from, how many sockets each server process holds,
 * and whether the machine can hold it at all. Three limits bound a run here:
 *
 * - files: every socket is a file, and a process may hold `ulimit -n` of them (20,000 here, not
 *   raisable), less what Node itself keeps open;
 * - ports: connections from one source address to one server address and port each take a local
 *   port from `ip_local_port_range` (32768-60999: 28,232), so a run past that spreads its
 *   generator processes over 127.0.0.2, 127.0.0.3, ... (all of 127.0.0.0/8 is loopback on Linux);
 * - memory: each process and each held connection costs RSS on both ends.
 *
 * Pure arithmetic on the machine's figures, so the plan is tested on hand-worked cases and a run
 * the machine cannot hold is refused before anything starts, with the numbers.
 */
import fs from 'node:fs';
import os from 'node:os';

/** Sockets one generator process holds at most: under the file cap, and few enough that its event loop keeps up (issue 19). */
export const SOCKETS_PER_GENERATOR_MAX = 5000;
/** Ports of each source address left to the rest of the machine (other runs, the publisher, the RTT probe). */
export const PORTS_SPARE = 1000;
/** Memory a Node process takes before any client: generator or server (measured idle RSS, rounded up). */
export const PROCESS_BASE_BYTES = 100 * 1024 * 1024;
/**
 * Memory one held connection costs on both ends together, generator and server, rounded up from
 * the one-box measurement (docs/results/2026-12-06-one-box.md): a planning figure, not a result.
 */
export const CONNECTION_BYTES = 48 * 1024;
/** Memory left to everything else on the machine (other users, the page cache): the plan never takes it. */
export const MEMORY_RESERVE_BYTES = 4 * 1024 ** 3;
/**
 * How unevenly the kernel deals connections over server processes sharing one listening socket:
 * 10,000 connections over two processes split 5,556/4,444 and 6,275/3,725 (docs/scale.md), so
 * the busiest held up to 1.26x its even share. The plan keeps each process's even share times
 * this under the file cap, so that the busiest does not run out of files.
 */
export const SERVER_SKEW = 1.5;
/** The first source address of a run that needs more than one (127.0.0.1 stays for everything else). */
const FIRST_SOURCE_HOST = 2;

/** What the machine offers. */
export interface MachineLimits {
  /** Per-process open-file limit; null: unlimited or unknown. */
  fileLimit: number | null;
  /** Files a Node process needs besides its sockets. */
  reservedFiles: number;
  /** Ephemeral ports per source address (`ip_local_port_range`, both ends included). */
  portsPerAddress: number;
  /** Memory available to new processes now (MemAvailable). */
  availableBytes: number;
}

export interface ScalePlanInput {
  clients: number;
  socketsPerClient: number;
  /** `--generators N`; null: auto. */
  requestedGenerators: number | null;
  serverProcesses: number;
  /** False for a server pushbench does not start (its files are its own business). */
  builtinServer: boolean;
}

export interface ScalePlan {
  sockets: number;
  generators: number;
  socketsPerGenerator: number;
  /** Source address of each generator process, in order; empty: one address, the kernel's choice. */
  sourceAddresses: string[];
  /** Distinct source addresses used (1 when none is set). */
  addressCount: number;
  /** Server sockets each server process holds if the kernel deals them evenly. */
  socketsPerServerProcess: number;
  memoryBytes: number;
  /** What makes the plan impossible on this machine, each with its arithmetic; empty: it fits. */
  refusals: string[];
}

/** The plan for `input` on a machine with `limits`. */
export function planScale(input: ScalePlanInput, limits: MachineLimits): ScalePlan {
  const sockets = input.clients * input.socketsPerClient;
  const fileCap = limits.fileLimit === null ? Infinity : limits.fileLimit - limits.reservedFiles;
  const perGeneratorCap = Math.min(SOCKETS_PER_GENERATOR_MAX, fileCap);
  const generators = Math.min(input.clients, input.requestedGenerators ?? Math.max(1, Math.ceil(sockets / perGeneratorCap)));
  const socketsPerGenerator = Math.ceil(input.clients / generators) * input.socketsPerClient;
  const usablePorts = limits.portsPerAddress - PORTS_SPARE;
  // Whole generator processes per address: a process's clients all connect from one address.
  const generatorsPerAddress = Math.max(1, Math.floor(usablePorts / socketsPerGenerator));
  const addressCount = Math.ceil(generators / generatorsPerAddress);
  const sourceAddresses =
    addressCount <= 1
      ? []
      : Array.from({ length: generators }, (_, i) => `127.0.0.${FIRST_SOURCE_HOST + Math.floor(i / generatorsPerAddress)}`);
  const socketsPerServerProcess = Math.ceil(sockets / input.serverProcesses);
  const processes = generators + (input.builtinServer ? input.serverProcesses : 0);
  const memoryBytes = processes * PROCESS_BASE_BYTES + sockets * CONNECTION_BYTES;

  const refusals: string[] = [];
  if (socketsPerGenerator > fileCap) {
    refusals.push(
      `files: ${generators} generator process(es) would hold ${socketsPerGenerator} sockets each, over the ${limits.fileLimit} open-file limit less ${limits.reservedFiles} for Node = ${fileCap}; use --generators ${Math.ceil(sockets / fileCap)} or more, or auto`,
    );
  }
  if (input.builtinServer && input.serverProcesses === 1 && socketsPerServerProcess > fileCap) {
    const needed = Math.ceil((sockets * SERVER_SKEW) / fileCap);
    refusals.push(
      `files: ${sockets} server sockets in one server process, over the ${limits.fileLimit} open-file limit less ${limits.reservedFiles} = ${fileCap}; use --server-processes ${needed} or more`,
    );
  } else if (input.builtinServer && input.serverProcesses > 1 && socketsPerServerProcess * SERVER_SKEW > fileCap) {
    const needed = Math.ceil((sockets * SERVER_SKEW) / fileCap);
    refusals.push(
      `files: ${sockets} server sockets over ${input.serverProcesses} server processes = ${socketsPerServerProcess} each, × ${SERVER_SKEW} for the kernel's uneven deal = ${Math.ceil(socketsPerServerProcess * SERVER_SKEW)}, over the ${limits.fileLimit} open-file limit less ${limits.reservedFiles} = ${fileCap}; use --server-processes ${needed} or more`,
    );
  }
  if (socketsPerGenerator > usablePorts) {
    refusals.push(
      `ports: one generator process would open ${socketsPerGenerator} connections from one source address, over the ${limits.portsPerAddress} ephemeral ports less ${PORTS_SPARE} spare = ${usablePorts}; use more --generators, or auto`,
    );
  }
  const budget = limits.availableBytes - MEMORY_RESERVE_BYTES;
  if (memoryBytes > budget) {
    refusals.push(
      `memory: ${processes} processes × ${mib(PROCESS_BASE_BYTES)} + ${sockets} connections × ${kib(CONNECTION_BYTES)} = ${gib(memoryBytes)}, over the ${gib(limits.availableBytes)} available less ${gib(MEMORY_RESERVE_BYTES)} kept free = ${gib(Math.max(0, budget))}`,
    );
  }
  return {
    sockets,
    generators,
    socketsPerGenerator,
    sourceAddresses,
    addressCount: Math.max(1, addressCount),
    socketsPerServerProcess,
    memoryBytes,
    refusals,
  };
}

/** The plan in one line, as printed before a run; `serverProcesses` 0: a target's server, whose processes are its own. */
export function describePlan(plan: ScalePlan, clients: number, technique: string, serverProcesses: number): string {
  const addresses =
    plan.sourceAddresses.length === 0
      ? 'one source address (127.0.0.1)'
      : `source addresses ${plan.sourceAddresses[0]}–${plan.sourceAddresses.at(-1)} (${plan.addressCount})`;
  return (
    `plan for ${clients} ${technique} clients: ${plan.generators} generator process(es) × ≤ ${plan.socketsPerGenerator} sockets, ${addresses}, ` +
    `${serverProcesses === 0 ? `the target's server holds ${plan.sockets} sockets` : `${serverProcesses} server process(es) × ~${plan.socketsPerServerProcess} sockets`}; memory ≈ ${gib(plan.memoryBytes)} (planning figure)`
  );
}

/** This machine's limits, read now. */
export function machineLimits(fileLimit: number | null, reservedFiles: number): MachineLimits {
  return { fileLimit, reservedFiles, portsPerAddress: portsPerAddress(), availableBytes: availableMemoryBytes() };
}

export function portsPerAddress(): number {
  try {
    const [low, high] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low !== undefined && high !== undefined && high >= low) return high - low + 1;
  } catch {
    // Not Linux: Linux's default range.
  }
  return 28_232;
}

function availableMemoryBytes(): number {
  try {
    const match = /^MemAvailable:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
    if (match !== null) return Number(match[1]) * 1024;
  } catch {
    // Not Linux.
  }
  return os.freemem();
}

const mib = (bytes: number): string => `${Math.round(bytes / 1024 ** 2)} MiB`;
const kib = (bytes: number): string => `${Math.round(bytes / 1024)} KiB`;
const gib = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
