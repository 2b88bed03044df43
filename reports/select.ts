/**
 * Read-only views over a ResultsFile that several renderers share: techniques in report
 * order, completed versus failed results, scenario groups and the reference scenario.
 */
import type { CompletedResult, FailedResult, ResultsFile, Scenario, TechniqueResult } from '../core/results.ts';
import { TECHNIQUES, type TechniqueId } from '../core/protocol.ts';

export interface TechniqueEntry {
  technique: TechniqueId;
  result: TechniqueResult;
}

export interface CompletedEntry {
  technique: TechniqueId;
  result: CompletedResult;
}

export interface FailedEntry {
  technique: TechniqueId;
  result: FailedResult;
}

/** The techniques a scenario holds a result for, in `TECHNIQUES` order. */
export function techniqueEntries(scenario: Scenario): TechniqueEntry[] {
  const entries: TechniqueEntry[] = [];
  for (const technique of TECHNIQUES) {
    const result = scenario.results[technique];
    if (result !== undefined) entries.push({ technique, result });
  }
  return entries;
}

/** Only the techniques that completed. */
export function completedEntries(scenario: Scenario): CompletedEntry[] {
  const out: CompletedEntry[] = [];
  for (const { technique, result } of techniqueEntries(scenario)) {
    if (result.state === 'completed') out.push({ technique, result });
  }
  return out;
}

/** Only the techniques that failed or were interrupted. */
export function failedEntries(scenario: Scenario): FailedEntry[] {
  const out: FailedEntry[] = [];
  for (const { technique, result } of techniqueEntries(scenario)) {
    if (result.state !== 'completed') out.push({ technique, result });
  }
  return out;
}

/** Every technique id that appears in at least one scenario, in `TECHNIQUES` order. */
export function techniquesInResults(results: ResultsFile): TechniqueId[] {
  return TECHNIQUES.filter((t) => results.scenarios.some((s) => s.results[t] !== undefined));
}

/** Delivered / expected, in percent (100 when nothing was expected). */
export function deliveredPercent(result: CompletedResult): number {
  const { delivered, expected } = result.messages;
  return expected === 0 ? 100 : (delivered / expected) * 100;
}

/** Payload bytes per delivered message: the part of `totalBytes` that is not overhead. */
export function payloadBytesPerMessage(result: CompletedResult): number {
  return result.perMessage.totalBytes - result.perMessage.overheadBytes;
}

/** Share of HTTP requests that came back empty, in percent; null for techniques without requests. */
export function emptyRequestPercent(result: CompletedResult): number | null {
  if (result.requests === null || result.requests.total === 0) return null;
  return (result.requests.empty / result.requests.total) * 100;
}

export interface ScenarioGroup {
  group: string;
  /** Sorted by client count. */
  scenarios: Scenario[];
}

/** Groups with more than one scenario (charted against client count), in first-appearance order. */
export function multiScenarioGroups(results: ResultsFile): ScenarioGroup[] {
  const byGroup = new Map<string, Scenario[]>();
  for (const scenario of results.scenarios) {
    const list = byGroup.get(scenario.group) ?? [];
    list.push(scenario);
    byGroup.set(scenario.group, list);
  }
  const groups: ScenarioGroup[] = [];
  for (const [group, scenarios] of byGroup) {
    if (scenarios.length > 1) {
      groups.push({ group, scenarios: [...scenarios].sort((a, b) => a.params.clients - b.params.clients) });
    }
  }
  return groups;
}

/**
 * The scenario the header-overhead extrapolation and the teaching diagrams use: the one with
 * id or group `header-overhead`, else the first broadcast scenario, else none.
 */
export function referenceScenario(results: ResultsFile): Scenario | undefined {
  return (
    results.scenarios.find((s) => s.id === 'header-overhead') ??
    results.scenarios.find((s) => s.group === 'header-overhead') ??
    results.scenarios.find((s) => s.params.workload === 'broadcast')
  );
}

/**
 * A scenario's header profile for humans: its name and whether it carries a cookie, with
 * where it came from when the file records it (`browser, no cookie: Chromium 156 ...`).
 */
export function headerProfileText(results: ResultsFile, name: string): string {
  const details = results.headerProfileDetails?.[name];
  if (details === undefined) return name;
  return `${name}, ${details.cookie ? 'with a cookie' : 'no cookie'}: ${details.source}`;
}
