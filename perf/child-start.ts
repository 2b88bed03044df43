/**
 * `npm run perf:child-start`: how long a child process of a run takes to start, run from the
 * TypeScript source under tsx (development) and from the compiled dist/ (the installed package).
 *
 *   server child:    fork -> its `ready` IPC message (modules loaded, sockets listening)
 *   generator child: fork -> its answer to a `close` sent at once (modules loaded, IPC handler
 *                    installed; the runner likewise sends `start` right after forking)
 *
 * Rounds alternate the order of the two worlds so that drift on a shared machine hits both;
 * the figure is the median, with the range. The npm script builds dist/ first.
 *
 *   npm run perf:child-start [-- --rounds N]
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { TECHNIQUES } from '../core/protocol.ts';
import { median } from '../core/spread.ts';
import type { GeneratorToRunner, RunnerToGenerator, ServerToRunner } from '../core/ipc.ts';
import { ChildTimeoutError, GeneratorCrashedError, ServerCrashedError } from '../core/errors.ts';
import { describeExit, forkChild, killAllChildren, type ForkedChild } from '../run/children.ts';
import { EXIT, reportError } from '../cli/exit-codes.ts';
import { booleanReader, HELP_ROW, helpLines, integerReader, parseCommand, synopsis, type Flag } from '../cli/flags.ts';
import { PACKAGE_ROOT } from '../run/package-layout.ts';
import type { ServerProcessOptions } from '../run/server-process.ts';

const DEFAULT_ROUNDS = 7;
const START_DEADLINE_MS = 15_000;

/** The flags of `npm run perf:child-start`: the parser and the usage text both read this table. */
const CHILD_START_FLAGS = {
  rounds: {
    flag: 'rounds',
    arg: 'N',
    help: 'alternating rounds, 1..50',
    defaultText: String(DEFAULT_ROUNDS),
    reader: integerReader(1, 50),
  },
  quick: { flag: 'quick', arg: null, help: 'one round: checks the script works (CI)', defaultText: 'off', reader: booleanReader() },
} as const satisfies Record<string, Flag<unknown>>;

const USAGE = `usage: npm run perf:child-start -- ${synopsis(Object.values(CHILD_START_FLAGS))}

Options:
${helpLines([...Object.values(CHILD_START_FLAGS), HELP_ROW])}`;

type World = 'source (tsx)' | 'compiled (dist/)';
type Child = 'server' | 'generator';

/** The child module of `child`, in `world`, named by its source path as forkChild expects. */
function childModule(child: Child, world: World): URL {
  const sourcePath = child === 'server' ? 'servers/child.ts' : 'load/generator-main.ts';
  return new URL(world === 'compiled (dist/)' ? `dist/${sourcePath}` : sourcePath, PACKAGE_ROOT);
}

/** Resolves once `forked` sends a message `accept` takes, or rejects when it dies or the deadline passes. */
function firstMessage(forked: ForkedChild, accept: (message: unknown) => boolean, child: Child, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      forked.child.kill('SIGKILL');
      reject(new ChildTimeoutError(`${what} did not answer within ${START_DEADLINE_MS} ms`));
    }, START_DEADLINE_MS);
    forked.child.on('message', (message: unknown) => {
      if (!accept(message)) return;
      clearTimeout(timer);
      resolve();
    });
    void forked.exited.then((exit) => {
      clearTimeout(timer);
      const message = describeExit(what, exit, forked.stderrTail());
      reject(child === 'server' ? new ServerCrashedError(message) : new GeneratorCrashedError(message));
    });
  });
}

/** Starts one child, returns milliseconds from fork to its first answer, and waits for it to exit. */
async function timeStart(child: Child, world: World): Promise<number> {
  const compiled = world === 'compiled (dist/)';
  const what = `${child} child, ${world}`;
  const startedAt = performance.now();
  let answeredAt: number;
  if (child === 'server') {
    const options: ServerProcessOptions = { techniques: [...TECHNIQUES], rate: 0, payloadBytes: 64, holdMs: 1000 };
    const forked = forkChild(childModule(child, world), [JSON.stringify(options)], compiled);
    await firstMessage(forked, (m) => (m as ServerToRunner).type === 'ready', child, what);
    answeredAt = performance.now();
    forked.child.send({ type: 'close' });
    await forked.exited;
  } else {
    const forked = forkChild(childModule(child, world), [], compiled);
    forked.child.send({ type: 'close', id: 1 } satisfies RunnerToGenerator);
    await firstMessage(forked, (m) => (m as GeneratorToRunner).type === 'closed', child, what);
    answeredAt = performance.now();
    await forked.exited;
  }
  return answeredAt - startedAt;
}

const ms = (n: number): string => `${Math.round(n)} ms`;

async function main(argv: string[]): Promise<number> {
  let rounds: number;
  try {
    const parsed = parseCommand(argv, CHILD_START_FLAGS, { positionals: false });
    if (parsed.help) {
      process.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    }
    rounds = parsed.values.rounds ?? (parsed.values.quick === true ? 1 : DEFAULT_ROUNDS);
  } catch (error) {
    return reportError('perf:child-start', error);
  }
  if (!existsSync(fileURLToPath(childModule('server', 'compiled (dist/)')).replace(/\.ts$/, '.js'))) {
    process.stderr.write('npm run perf:child-start: dist/ is missing; run `npm run build` first (the npm script does)\n');
    return EXIT.failed;
  }
  process.on('SIGINT', () => {
    killAllChildren();
    process.exit(EXIT.interrupted);
  });
  const worlds: World[] = ['source (tsx)', 'compiled (dist/)'];
  const samples = new Map<string, number[]>();
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? worlds : [...worlds].reverse();
    for (const child of ['server', 'generator'] as const) {
      for (const world of order) {
        const key = `${child}|${world}`;
        samples.set(key, [...(samples.get(key) ?? []), await timeStart(child, world)]);
      }
    }
  }
  process.stdout.write(`child start time, fork -> first IPC answer, ${rounds} rounds (Node ${process.version})\n\n`);
  process.stdout.write('| child | world | median | range |\n|---|---|---:|---:|\n');
  for (const [key, values] of samples) {
    const [child, world] = key.split('|');
    process.stdout.write(`| ${child} | ${world} | ${ms(median(values))} | ${ms(Math.min(...values))} to ${ms(Math.max(...values))} |\n`);
  }
  return EXIT.ok;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.exitCode = reportError('perf:child-start', error);
}
