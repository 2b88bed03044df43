/**
 * `npm run bench:micro [-- --json] [--payload BYTES] [--time MS]`: the server's per-message
 * encoding and framing work per technique (tinybench), as a table or as MicroResult[] JSON.
 */
import { runMicroBenchmarks, type MicroOptions } from '../run/micro.ts';
import type { MicroResult } from '../core/results.ts';

const USAGE = 'usage: npm run bench:micro -- [--json] [--payload BYTES] [--time MS]';

interface MicroArgs extends Required<MicroOptions> {
  json: boolean;
}

function parseArgs(argv: readonly string[]): MicroArgs {
  const args: MicroArgs = { json: false, payloadBytes: 64, time: 500 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--json') {
      args.json = true;
      continue;
    }
    if (flag !== '--payload' && flag !== '--time') throw new Error(`unknown option ${JSON.stringify(flag)}; ${USAGE}`);
    const raw = argv[++i];
    const value = Number(raw);
    if (raw === undefined || !Number.isInteger(value) || value < (flag === '--time' ? 1 : 0)) {
      throw new Error(`invalid ${flag}: received ${JSON.stringify(raw ?? null)}; expected an integer ${flag === '--time' ? '>= 1 (ms)' : '>= 0 (bytes)'}`);
    }
    if (flag === '--payload') args.payloadBytes = value;
    else args.time = value;
  }
  return args;
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
  const line = (row: string[]): string => row.map((cell, col) => (numeric.has(col) ? cell.padStart(widths[col]!) : cell.padEnd(widths[col]!))).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  process.stderr.write(`micro-benchmarks: ${args.payloadBytes}-byte payload, ${args.time} ms per technique\n`);
  const results = await runMicroBenchmarks({ payloadBytes: args.payloadBytes, time: args.time });
  process.stdout.write(args.json ? `${JSON.stringify(results, null, 2)}\n` : `${renderMicroTable(results)}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`bench:micro: ${error.message}\n`);
  process.exitCode = 1;
});
