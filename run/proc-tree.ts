/**
 * CPU and memory of a process and all its descendants, read from /proc (Linux): what a foreign
 * server costs when pushbench cannot ask it (nginx's master and worker, daphne). CPU is user +
 * system time of every live process of the tree plus the time of children it has already
 * reaped; RSS is the sum of the resident sets.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** One sample of a pid tree. */
export interface TreeSample {
  /** Monotonic µs of the sample. */
  at: number;
  cpuMicros: number;
  rssBytes: number;
  /** Processes in the tree. */
  processes: number;
}

function sysconf(name: string, fallback: number): number {
  try {
    const value = Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

let ticks: { clock: number; page: number } | undefined;
function units(): { clock: number; page: number } {
  return (ticks ??= { clock: sysconf('CLK_TCK', 100), page: sysconf('PAGESIZE', 4096) });
}

/** The fields of /proc/PID/stat this module uses. */
export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  ticks: number;
  rssPages: number;
}

/** Parses one /proc/PID/stat line (the command name may hold spaces and parentheses: fields are counted after the last `)`). */
export function parseStat(line: string): ProcStat | null {
  const close = line.lastIndexOf(')');
  if (close === -1) return null;
  const pid = Number(line.slice(0, line.indexOf(' ')));
  // After `) `: state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17) ... rss(24).
  const rest = line.slice(close + 2).split(' ');
  const field = (n: number): number => Number(rest[n - 3]);
  if (!Number.isInteger(pid)) return null;
  return { pid, ppid: field(4), ticks: field(14) + field(15) + field(16) + field(17), rssPages: field(24) };
}

/** Every process's stat, or null for a process that vanished while being read. */
function allStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = parseStat(fs.readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (stat !== null) stats.push(stat);
    } catch {
      // gone between readdir and read
    }
  }
  return stats;
}

/** `root` and every descendant of it among `stats`. */
export function treeOf(root: number, stats: readonly ProcStat[]): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  for (const stat of stats) {
    const list = children.get(stat.ppid) ?? [];
    list.push(stat);
    children.set(stat.ppid, list);
  }
  const tree: ProcStat[] = [];
  const todo = stats.filter((s) => s.pid === root);
  while (todo.length > 0) {
    const next = todo.pop()!;
    tree.push(next);
    todo.push(...(children.get(next.pid) ?? []));
  }
  return tree;
}

/** The pids of `root` and its descendants now; empty when it is gone. */
export function treePids(root: number): number[] {
  return treeOf(root, allStats()).map((stat) => stat.pid);
}

/** Samples the tree rooted at `pid`; null when that process is gone. */
export function sampleTree(pid: number, now: () => number): TreeSample | null {
  const tree = treeOf(pid, allStats());
  if (tree.length === 0) return null;
  const { clock, page } = units();
  let cpuTicks = 0;
  let rssPages = 0;
  for (const stat of tree) {
    cpuTicks += stat.ticks;
    rssPages += stat.rssPages;
  }
  return { at: now(), cpuMicros: (cpuTicks * 1e6) / clock, rssBytes: rssPages * page, processes: tree.length };
}

/** Pids of every live process whose process group is `pgid`. */
export function processGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const line = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const rest = line.slice(line.lastIndexOf(')') + 2).split(' ');
      // state(3) ppid(4) pgrp(5); a zombie is already dead, only waiting to be reaped.
      if (Number(rest[2]) === pgid && rest[0] !== 'Z') members.push(Number(entry));
    } catch {
      // gone
    }
  }
  return members;
}
