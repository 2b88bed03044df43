/**
 * `npm run bench:micro [-- --json] [--payload BYTES] [--time MS]`: the server's per-message
 * encoding and framing work per technique (tinybench), as a table or as MicroResult[] JSON.
 */
import { runMicroBenchmarks, type MicroOptions } from '../run/micro.ts';
import { EXIT, reportError } from './exit-codes.ts';
import { booleanReader, HELP_ROW, helpLines, integerReader, parseCommand, synopsis, type Flag } from './flags.ts';
import type { MicroResult } from '../core/results.ts';

/** The flags of `npm run bench:micro`: the parser and the usage text both read this table. */
const MICRO_FLAGS = {
  json: { flag: 'json', arg: null, help: 'print MicroResult[] JSON instead of a table', defaultText: 'off', reader: booleanReader() },
  payloadBytes: {
    flag: 'payload',
    arg: 'BYTES',
    help: "size of the message's data",
    defaultText: '64',
    reader: integerReader(0, null, 'bytes'),
  },
  time: { flag: 'time', arg: 'MS', help: 'time per technique in milliseconds', defaultText: '500', reader: integerReader(1, null, 'ms') },
} as const satisfies Record<string, Flag<unknown>>;

const USAGE = `usage: npm run bench:micro -- ${synopsis(Object.values(MICRO_FLAGS))}

Options:
${helpLines([...Object.values(MICRO_FLAGS), HELP_ROW])}`;

interface MicroArgs extends Required<MicroOptions> {
  json: boolean;
  help: boolean;
}

function parseMicroArgs(argv: readonly string[]): MicroArgs {
  const { values, help } = parseCommand(argv, MICRO_FLAGS, { positionals: false });
  return { json: values.json ?? false, payloadBytes: values.payloadBytes ?? 64, time: values.time ?? 500, help };
}

/** A fixed-width text table of the results. */
export function renderMicroTable(results: readonly MicroResult[]): string {
  const rows = [
    ['technique', 'name', 'ops/s', 'mean ns', '±rme %'],
    ...results.map((r) => [
      r.technique,
      r.name,
      Math.round(r.opsPerSecond).toLocaleString('en-US'),
      r.meanNs.toLocaleString('en-US', { maximumFractionDigits: 0 }),
      `±${r.rme.toFixed(2)}`,
    ]),
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  const numeric = new Set([2, 3, 4]);
  const line = (row: string[]): string =>
    row.map((cell, col) => (numeric.has(col) ? cell.padStart(widths[col]!) : cell.padEnd(widths[col]!))).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<number> {
  const args = parseMicroArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  process.stderr.write(`micro-benchmarks: ${args.payloadBytes}-byte payload, ${args.time} ms per technique\n`);
  const results = await runMicroBenchmarks({ payloadBytes: args.payloadBytes, time: args.time });
  process.stdout.write(args.json ? `${JSON.stringify(results, null, 2)}\n` : `${renderMicroTable(results)}\n`);
  return EXIT.ok;
}

process.exitCode = await main().catch((error: unknown) => reportError('bench:micro', error));
