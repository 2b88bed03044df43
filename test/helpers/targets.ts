/** Running a technique against a bundled target (a real server started from its target file), for the target tests. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import type { CompletedResult, ScenarioParams, TechniqueResult } from '../../core/results.ts';
import { TECHNIQUE_META, type TechniqueId } from '../../core/techniques.ts';
import { runTechnique } from '../../run/technique-run.ts';
import { messageBytesFor } from '../../run/scenarios.ts';
import { loadTarget, type ResolvedTarget } from '../../run/targets.ts';

/** Loads a target file by path (relative to the project). */
export function target(file: string): ResolvedTarget {
  return loadTarget(file, (absolute) => readFileSync(absolute, 'utf8'), new URL('../../', import.meta.url).pathname);
}

/** A skip reason when a program the target needs is missing (never in CI, where .ci/run installs it). */
export function skipUnless(paths: readonly string[], install: string): string | false {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length === 0 || process.env.CI === 'true') return false;
  return `${missing.join(', ')} not found: install with \`${install}\` to run the tests against this real server`;
}

/**
 * Tiny broadcast parameters: the wiring, not the speed. Sparse enough (5 msg/s, polls every
 * 500 ms, 4 clients) that each window edge soon has a quiet moment, when no byte is in flight and
 * the kernel's count must equal the clients' to the byte, also on a loaded machine where one
 * look at both sides takes some 50 ms.
 */
export function tinyParams(overrides: Partial<ScenarioParams> = {}): ScenarioParams {
  const base = {
    workload: 'broadcast' as const,
    clients: 4,
    rate: 5,
    payloadBytes: 64,
    intervalMs: 500,
    holdMs: 30_000,
    durationMs: 2000,
    warmupMs: 200,
    headers: 'minimal' as const,
    roomSize: 1,
    target: null,
    ...overrides,
  };
  return { ...base, messageBytes: messageBytesFor(base) };
}

export function runOn(t: ResolvedTarget, technique: TechniqueId, params: ScenarioParams): Promise<TechniqueResult> {
  return runTechnique(technique, params, { signal: new AbortController().signal, generators: null, progress: () => {}, target: t });
}

export function completed(result: TechniqueResult): CompletedResult {
  assert.equal(result.state, 'completed', result.state === 'completed' ? '' : result.error);
  return result as CompletedResult;
}

/** Nothing lost, duplicated or unstamped, no client error, a latency sample per delivery, and client bytes = kernel bytes to the byte. */
export function assertWholeAndKernelAgrees(r: CompletedResult): void {
  assert.equal(r.messages.lost, 0);
  assert.equal(r.messages.duplicated, 0);
  assert.equal(r.messages.unmatched, 0, 'every unit carried a stamp');
  assert.equal(r.clientErrors.count, 0, r.clientErrors.first.join('; '));
  assert.equal(r.latencyMs.count, r.messages.delivered);
  assert.ok(r.kernel !== undefined && r.kernel !== null, 'the kernel was asked');
  assert.equal(r.kernel.agree, true, `client bytes = kernel bytes: ${JSON.stringify(r.kernel)}`);
  assert.equal(r.kernel.clientUp, r.kernel.serverUp);
  assert.equal(r.kernel.clientDown, r.kernel.serverDown);
}

/**
 * Every published message accounted: what the publisher had accepted, times the clients, all
 * delivered, nothing lost, nothing without a stamp; the kernel's byte count equals the clients'
 * to the byte, both read at the same quiet moments at the window's edges.
 */
export function assertAccounted(r: CompletedResult, clients: number, technique: TechniqueId): void {
  assert.ok(r.publisher !== undefined && r.publisher !== null && r.publisher.side === 'process', 'pushbench published');
  assert.ok(r.messages.published > 0, 'messages were accepted in the window');
  assert.equal(r.messages.published, r.publisher.accepted);
  assert.equal(r.publisher.refused, 0);
  assert.equal(r.publisher.roundTripMs?.count, r.publisher.sent, 'a round trip per publish');
  assert.equal(r.messages.expected, r.messages.published * clients);
  assert.equal(r.messages.delivered, r.messages.expected, 'every published message arrived at every client');
  assertWholeAndKernelAgrees(r);
  assert.ok(r.kernel !== undefined && r.kernel !== null);
  assert.ok(r.kernel.clientDown > 0, 'the window carried bytes');
  // Read at the window's edges: a stream's or socket's only request (its handshake) lies before them.
  if (TECHNIQUE_META[technique].delivery !== 'request') assert.equal(r.kernel.serverUp, 0, 'no handshake inside the window');
  assert.equal(r.kernel.unconfirmed, undefined, 'both edges were quiet');
  assert.equal(r.kernel.sockets, clients, "one server socket per client, the publisher's left out");
  assert.equal(r.model, null, 'no model for a foreign server');
  assert.equal(r.server?.source, 'proc');
  assert.equal(r.server?.eventLoopUtilization, null);
  assert.ok((r.server?.rssBytes ?? 0) > 0, 'RSS of the pid tree');
  // An HTTP/2 head is shown as `HTTP/2 200` and has no reason phrase (load/h2-tab.ts).
  assert.match(r.responseHead ?? '', /^HTTP\/(1\.1 (200|101) |2 200\r\n)/);
}
