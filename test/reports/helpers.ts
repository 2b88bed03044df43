/**
 * Shared by the report tests: the fixture, a hostile copy of it, temp folders and captured
 * command output. Not a test file itself.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CompletedResult, ResultsFile, Scenario, TechniqueResult } from '../../core/results.ts';
import type { TechniqueId } from '../../core/protocol.ts';
import { FIXTURE_PATH } from '../fixtures/make-fixture.ts';
import { parseResults } from '../../core/results-validate.ts';
import type { CommandIo } from '../../cli/report.ts';

export { FIXTURE_PATH };

/** A fresh, validated copy of test/fixtures/results.json. */
export function loadFixture(): ResultsFile {
  return parseResults(readFileSync(FIXTURE_PATH, 'utf8'), FIXTURE_PATH);
}

export function scenarioOf(results: ResultsFile, id: string): Scenario {
  const scenario = results.scenarios.find((s) => s.id === id);
  if (scenario === undefined) throw new Error(`fixture has no scenario ${id}`);
  return scenario;
}

export function resultOf(results: ResultsFile, scenarioId: string, technique: TechniqueId): TechniqueResult {
  const result = scenarioOf(results, scenarioId).results[technique];
  if (result === undefined) throw new Error(`fixture has no ${technique} in ${scenarioId}`);
  return result;
}

export function completedOf(results: ResultsFile, scenarioId: string, technique: TechniqueId): CompletedResult {
  const result = resultOf(results, scenarioId, technique);
  if (result.state !== 'completed') throw new Error(`${technique} in ${scenarioId} did not complete in the fixture`);
  return result;
}

/** Strings that break HTML, scripts or Markdown tables if they reach them unescaped. */
export const HOSTILE = `<script>alert(1)</script></script><!-- "'&| x`;

/** The fixture with hostile strings everywhere free text appears. */
export function hostileFixture(): ResultsFile {
  const results = loadFixture();
  results.command = `pushbench run ${HOSTILE}`;
  results.environment.cpuModel = `CPU ${HOSTILE}`;
  results.environment.gitCommit = HOSTILE;
  const browser = results.headerProfiles.browser ?? [];
  browser.push(['x-hostile', HOSTILE], [`x-${HOSTILE}`, 'name too']);
  results.headerProfiles.browser = browser;
  const details = results.headerProfileDetails?.browser;
  if (details !== undefined) {
    details.source = `source ${HOSTILE}`;
    details.upgrade.push(['x-hostile', HOSTILE]);
  }
  for (const scenario of results.scenarios) {
    scenario.title = `${scenario.title} ${HOSTILE}`;
    scenario.description = `Description ${HOSTILE}`;
    for (const result of Object.values(scenario.results)) {
      if (result === undefined) continue;
      if (result.state === 'completed') {
        result.model!.formula = `formula ${HOSTILE}`;
        result.clientErrors = { count: 1, first: [`client error ${HOSTILE}`] };
      } else {
        result.error = `error ${HOSTILE}`;
      }
    }
  }
  return results;
}

/** A temp folder for one test file (remove it in `after`). */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `pushbench-${prefix}-`));
}

/** A CommandIo that records what a command printed. */
export function captureIo(): { io: CommandIo; stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    io: { stdout: (t) => void (out += t), stderr: (t) => void (err += t) },
    stdout: () => out,
    stderr: () => err,
  };
}

/** The cells (inner text, tags stripped) of the table row whose header cell is `rowHeader`, within `html`. */
export function rowCells(html: string, rowHeader: string): string[] {
  const start = html.indexOf(`<th scope="row">${rowHeader}</th>`);
  if (start < 0) throw new Error(`no row ${rowHeader}`);
  const end = html.indexOf('</tr>', start);
  const row = html.slice(start, end);
  return [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => (m[1] ?? '').replace(/<[^>]+>/g, ''));
}

/** The HTML of the element with `id="<id>"` up to the end of its section. */
export function sectionById(html: string, id: string): string {
  const start = html.indexOf(`id="${id}"`);
  if (start < 0) throw new Error(`no element with id ${id}`);
  const end = html.indexOf('</section>', start);
  return html.slice(start, end);
}

/**
 * The fixture with a decision map: two of its scenarios stand as the map's measured points
 * (10 msg/s, 250 ms polls, 10 clients; 1 msg/s, 1 s polls, 100 clients), every other cell the
 * model's. Built by the map's own code, so the reports render what `pushbench map` writes.
 */
export async function loadFixtureWithMap(): Promise<ResultsFile> {
  const { buildMap, pointId } = await import('../../run/map.ts');
  const results = loadFixture();
  const config = {
    rates: [0.1, 1, 10],
    intervalsMs: [250, 1000],
    clients: [10, 100],
    techniques: ['polling', 'longpoll', 'sse', 'websocket'] as const,
    payloadBytes: 64,
    holdMs: 30_000,
    headers: 'browser' as const,
    maxLatencyMs: 1000,
    maxBandwidthBytesPerSecond: null,
    maxMemoryBytes: 64 * 1_048_576,
    quick: false,
    windowMs: 5000,
    warmupMs: 1000,
  };
  const points = [
    { rate: 10, intervalMs: 250, clients: 10, reason: 'corner' as const, timeScale: 1, from: 'sweep-10' },
    { rate: 1, intervalMs: 1000, clients: 100, reason: 'crossover' as const, timeScale: 1, from: 'header-overhead' },
  ];
  const scenarios = points.map((p) => ({ ...scenarioOf(results, p.from), id: pointId(p) }));
  const withPoints = { ...results, scenarios };
  return { ...withPoints, map: buildMap(config, points, withPoints, 1234) };
}
