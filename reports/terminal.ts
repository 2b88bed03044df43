/**
 * The plain-text summary `pushbench run` and `npm run bench` print to stdout: one table
 * per scenario, measured next to the model. Pure: results in, text out.
 */
import { TECHNIQUES } from '../core/protocol.ts';
import type { ResultsFile, Scenario } from '../core/results.ts';
import { saturationFindings } from './conclusions.ts';
import { completedEntries } from './select.ts';
import { evidenceNotes, latencyEvidence, noisyCell } from './evidence.ts';

function fixed(n: number, digits = 1): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function kib(n: number): string {
  return `${fixed(n / 1024, 1)} KiB`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r, i) => {
    const line = r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
    return i === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}

const HEADER = ['technique', 'delivered', 'lost', 'B/msg', 'model B/msg', 'overhead B/msg', 'p50', 'p99', 'max ms', 'latency n', 'kbit/s', 'server CPU', 'mem/conn', 'empty polls', 'bytes agree'];

export function renderScenarioTable(scenario: Scenario): string {
  const rows: string[][] = [HEADER];
  for (const id of TECHNIQUES) {
    const r = scenario.results[id];
    if (r === undefined) continue;
    if (r.state !== 'completed') {
      rows.push([id, `${r.state}: ${r.error.slice(0, 100)}`, ...HEADER.slice(2).map(() => '')]);
      continue;
    }
    rows.push([
      id,
      `${r.messages.delivered}/${r.messages.expected}`,
      String(r.messages.lost),
      fixed(r.perMessage.totalBytes),
      fixed(r.model.perMessage.totalBytes),
      fixed(r.perMessage.overheadBytes),
      noisyCell(r, 'p50'),
      noisyCell(r, 'p99'),
      fixed(r.latencyMs.max, 2),
      latencyEvidence(r).replace(/^n = /, ''),
      fixed(r.bitsPerSecond / 1000),
      r.server === null ? '-' : noisyCell(r, 'cpu'),
      r.server === null ? '-' : r.server.bytesPerConnection === null ? '< 4 MB tot' : kib(r.server.bytesPerConnection),
      r.requests === null ? '-' : `${fixed(r.requests.total > 0 ? (100 * r.requests.empty) / r.requests.total : 0)}%`,
      r.agreement === null ? '-' : r.agreement.agree ? 'yes' : `NO (server ${r.agreement.serverUp}/${r.agreement.serverDown}, client ${r.agreement.clientUp}/${r.agreement.clientDown})`,
    ]);
  }
  const completed = completedEntries(scenario);
  const notes = [
    ...saturationFindings(completed).map((f) => `! ${f.text}`),
    ...evidenceNotes(completed.map(({ technique, result }) => ({ label: technique, result }))).map((n) => `  ${n}`),
  ];
  const p = scenario.params;
  const head = `${scenario.title}\n${p.workload}, ${p.clients} clients, ${p.rate} msg/s, ${p.payloadBytes} B payload (${p.messageBytes} B message), poll interval ${p.intervalMs} ms, ${p.headers} headers, window ${p.durationMs} ms`;
  return `${head}\n\n${table(rows)}${notes.length > 0 ? `\n${notes.join('\n')}` : ''}`;
}

export function renderSummary(results: ResultsFile): string {
  const parts = results.scenarios.map(renderScenarioTable);
  if (results.suiteWallMs !== undefined) {
    const runs = results.runsPerTechnique !== undefined && results.runsPerTechnique > 1 ? `, ${results.runsPerTechnique} runs per technique` : '';
    parts.push(`Session wall time: ${fixed(results.suiteWallMs / 1000, 1)} s${runs}`);
  }
  if (results.capacity !== undefined) {
    const c = results.capacity;
    parts.push(
      `Capacity (autocannon, ${c.connections} connections, ${c.durationMs} ms): /poll sustains ${fixed(c.requestsPerSecond, 0)} req/s (p99 ${fixed(c.latencyMsP99, 2)} ms)\n` +
        c.maxClientsByInterval.map((m) => `  poll every ${m.intervalMs} ms -> at most ${m.clients.toLocaleString('en-US')} clients`).join('\n'),
    );
  }
  if (results.micro !== undefined && results.micro.length > 0) {
    parts.push(
      `Per-message server work (tinybench):\n${results.micro.map((m) => `  ${m.technique.padEnd(10)} ${fixed(m.meanNs / 1000, 2)} µs  ${m.name}`).join('\n')}`,
    );
  }
  return `${parts.join('\n\n')}\n`;
}
