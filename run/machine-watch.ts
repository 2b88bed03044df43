/**
 * The machine's own limits over a run, read from /proc: how busy all cores were in the window,
 * the least memory available from the connecting to the window's end, the most files one of
 * pushbench's processes held, and the connections from the busiest source address. A large run
 * then says in words which of CPU, memory, files and ports it hit (reports/conclusions.ts), the
 * way the plan refuses a run that could not fit them (run/scale-plan.ts).
 *
 * Memory is read every second (one small file); open files only at the edges (after connecting,
 * at the window's start and end: a held connection's socket lives through the window), because
 * listing /proc/PID/fd of a process with 18,000 sockets is work the measured machine would pay.
 */
import fs from 'node:fs';
import { MACHINE_LIMIT_SHARE, MACHINE_LIMITS, type MachineLimit, type MachineUse } from '../core/results.ts';

/** How often MemAvailable is read while the watch runs. */
const MEMORY_EVERY_MS = 1000;

interface CpuTicks {
  busy: number;
  total: number;
  cores: number;
}

/** All cores' ticks from /proc/stat's `cpu` line (busy: all but idle and iowait), and the `cpuN` lines counted; null off Linux. */
export function parseProcStat(text: string): CpuTicks | null {
  const lines = text.split('\n');
  const fields = lines[0]?.startsWith('cpu ') === true ? lines[0].trim().split(/\s+/).slice(1).map(Number) : null;
  if (fields === null || fields.length < 4 || fields.some((n) => !Number.isFinite(n))) return null;
  // user nice system idle iowait irq softirq steal (guest and guest_nice are already inside user and nice).
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const cores = lines.filter((line) => /^cpu\d+ /.test(line)).length;
  return { busy: total - idle, total, cores: Math.max(1, cores) };
}

/** MemTotal and MemAvailable from /proc/meminfo, bytes; null when either is missing. */
export function parseMeminfo(text: string): { totalBytes: number; availableBytes: number } | null {
  const total = /^MemTotal:\s+(\d+) kB/m.exec(text);
  const available = /^MemAvailable:\s+(\d+) kB/m.exec(text);
  if (total === null || available === null) return null;
  return { totalBytes: Number(total[1]) * 1024, availableBytes: Number(available[1]) * 1024 };
}

function readText(path: string): string | null {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Files `pid` holds open now; 0 when it is gone. */
function openFiles(pid: number): number {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** The resources at or past MACHINE_LIMIT_SHARE of what the machine has, in MACHINE_LIMITS' order. */
export function limitsHit(use: Omit<MachineUse, 'hit'>): MachineLimit[] {
  const share: Record<MachineLimit, number> = {
    cpu: use.cpuBusy,
    memory: use.memoryTotalBytes === 0 ? 0 : 1 - use.memoryMinAvailableBytes / use.memoryTotalBytes,
    files: use.fileLimit === null || use.fileLimit === 0 ? 0 : use.filesBusiest / use.fileLimit,
    ports: use.portRange === 0 ? 0 : use.portsBusiest / use.portRange,
  };
  return MACHINE_LIMITS.filter((limit) => share[limit] >= MACHINE_LIMIT_SHARE);
}

/** Watches the machine from the clients' connecting to the window's end. */
export class MachineWatch {
  private readonly timer: NodeJS.Timeout;
  private minAvailable = Number.POSITIVE_INFINITY;
  private totalMemory = 0;
  private files = 0;
  private windowStart: CpuTicks | null = null;
  private windowEnd: CpuTicks | null = null;

  /** `pids`: pushbench's processes whose open files count (read at each edge, so a process started late is seen). */
  constructor(private readonly pids: () => readonly number[]) {
    this.sampleMemory();
    this.timer = setInterval(() => this.sampleMemory(), MEMORY_EVERY_MS);
    this.timer.unref();
  }

  private sampleMemory(): void {
    const memory = parseMeminfo(readText('/proc/meminfo') ?? '');
    if (memory === null) return;
    this.totalMemory = memory.totalBytes;
    this.minAvailable = Math.min(this.minAvailable, memory.availableBytes);
  }

  /** Reads every watched process's open files (call when the clients are connected, and at each edge of the window). */
  sampleFiles(): void {
    for (const pid of this.pids()) this.files = Math.max(this.files, openFiles(pid));
  }

  /** The window's start: CPU ticks, files, memory. */
  startWindow(): void {
    this.windowStart = parseProcStat(readText('/proc/stat') ?? '');
    this.sampleFiles();
    this.sampleMemory();
  }

  /** The window's end; the watch stops. */
  endWindow(): void {
    this.windowEnd = parseProcStat(readText('/proc/stat') ?? '');
    this.sampleFiles();
    this.sampleMemory();
    this.stop();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * What the run used of the machine; null when /proc could not be read (not Linux) or the window
   * never ended. `portsBusiest`: connections from the busiest source address, from the plan's split.
   */
  use(fileLimit: number | null, portRange: number, portsBusiest: number): MachineUse | null {
    const a = this.windowStart;
    const b = this.windowEnd;
    if (a === null || b === null || b.total <= a.total || this.totalMemory === 0) return null;
    const use = {
      cores: b.cores,
      cpuBusy: Math.min(1, Math.max(0, (b.busy - a.busy) / (b.total - a.total))),
      memoryTotalBytes: this.totalMemory,
      memoryMinAvailableBytes: this.minAvailable,
      fileLimit,
      filesBusiest: this.files,
      portRange,
      portsBusiest,
    };
    return { ...use, hit: limitsHit(use) };
  }
}

/** Connections from the busiest source address: each generator's clients × sockets per client, summed per address. */
export function busiestSourceAddress(
  generators: ReadonlyArray<{ clients: number; address: string | undefined }>,
  socketsPerClient: number,
): number {
  const perAddress = new Map<string, number>();
  for (const { clients, address } of generators) {
    const key = address ?? 'default';
    perAddress.set(key, (perAddress.get(key) ?? 0) + clients * socketsPerClient);
  }
  return Math.max(0, ...perAddress.values());
}
