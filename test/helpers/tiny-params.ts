/** Scenario parameters of a tiny run: a handful of clients, windows of a few hundred ms. */
import type { ScenarioParams } from '../../core/results.ts';
import { messageBytesFor } from '../../run/scenarios.ts';

export function tinyParams(overrides: Partial<ScenarioParams> = {}): ScenarioParams {
  const base = {
    workload: 'broadcast' as const,
    clients: 4,
    rate: 20,
    payloadBytes: 64,
    intervalMs: 100,
    holdMs: 30_000,
    durationMs: 400,
    warmupMs: 100,
    headers: 'browser' as const,
    roomSize: 2,
    target: null,
    ...overrides,
  };
  return { ...base, messageBytes: messageBytesFor(base) };
}
