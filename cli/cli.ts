/**
 * `pushbench <command>`: the one entry point users type. Each command is a module
 * exporting `(argv) => Promise<exit code>`; they are looked up in a table.
 */
import { EXIT, reportError } from './exit-codes.ts';

type Command = (argv: string[]) => Promise<number>;

/** The commands of the `pushbench` bin: a one-line summary each, and the module that runs it, loaded on demand. */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  run: {
    summary: 'drive the servers with load and measure (see `pushbench run --help`)',
    load: async () => (await import('./run.ts')).runRunCommand,
  },
  serve: {
    summary: 'start the servers for curl, a browser or another load tool',
    load: async () => (await import('./serve.ts')).runServeCommand,
  },
  report: {
    summary: 'render report.html, PNG charts and summary.md from a results.json',
    load: async () => (await import('./report.ts')).runReportCommand,
  },
  map: {
    summary: 'which technique when: a map over rate, poll interval and clients, model and measured points',
    load: async () => (await import('./map.ts')).runMapCommand,
  },
  publish: {
    summary: 'coordinate a run measured in shards: publish, serve the clock, set the window',
    load: async () => (await import('./publish.ts')).runPublishCommand,
  },
  k8s: {
    summary: 'write the Kubernetes manifests (Indexed Job, coordinator) of a run in shards',
    load: async () => (await import('./k8s.ts')).runK8sCommand,
  },
  merge: {
    summary: 'merge shard results into one results.json and the reports',
    load: async () => (await import('./merge.ts')).runMergeCommand,
  },
  compare: {
    summary: 'compare two results.json files; exit 1 on a regression',
    load: async () => (await import('./compare.ts')).runCompareCommand,
  },
};

export const USAGE = `usage: pushbench <command> [options]

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`)
  .join('\n')}

Run \`pushbench <command> --help\` for a command's options.`;

/** Runs a command and returns the process exit code (cli/exit-codes.ts: 2 for bad input). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? EXIT.badInput : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`pushbench: unknown command "${name}"; allowed: ${Object.keys(COMMANDS).join(', ')}\n`);
    return EXIT.badInput;
  }
  try {
    return await (await command.load())(rest);
  } catch (error) {
    // Every deliberate error is a PushbenchError; its code decides the exit code (2 for bad input).
    return reportError(`pushbench ${name}`, error);
  }
}
