/**
 * Validation of a parsed results.json. Entry points call this once; after it, renderers trust
 * the ResultsFile type. Every error names the JSON path, what was expected and what was found.
 */
import { SCHEMA_VERSION, type ResultsFile } from '../core/results.ts';
import { TECHNIQUES } from '../core/protocol.ts';

import { ResultsFileError } from '../core/errors.ts';

// Defined in core/errors.ts with every other error; exported here for the readers of this module.
export { ResultsFileError };

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: Json): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** Collects problems with paths; throws once at the end with the first few. */
class Checker {
  readonly problems: string[] = [];

  fail(path: string, expected: string, value: Json): void {
    this.problems.push(`${path}: expected ${expected}, found ${describe(value)}`);
  }

  object(value: Json, path: string): Record<string, Json> | null {
    if (isObject(value)) return value;
    this.fail(path, 'an object', value);
    return null;
  }

  number(obj: Record<string, Json>, key: string, path: string): void {
    const value = obj[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(`${path}.${key}`, 'a finite number', value);
  }

  numbers(obj: Record<string, Json>, keys: readonly string[], path: string): void {
    for (const key of keys) this.number(obj, key, path);
  }

  string(obj: Record<string, Json>, key: string, path: string): void {
    if (typeof obj[key] !== 'string') this.fail(`${path}.${key}`, 'a string', obj[key]);
  }

  stringOrNull(obj: Record<string, Json>, key: string, path: string): void {
    const value = obj[key];
    if (value !== null && typeof value !== 'string') this.fail(`${path}.${key}`, 'a string or null', value);
  }

  oneOf(obj: Record<string, Json>, key: string, allowed: readonly string[], path: string): void {
    const value = obj[key];
    if (typeof value !== 'string' || !allowed.includes(value)) {
      this.fail(`${path}.${key}`, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, value);
    }
  }

  nested(obj: Record<string, Json>, key: string, path: string): Record<string, Json> | null {
    return this.object(obj[key], `${path}.${key}`);
  }
}

/**
 * Check that `data` (parsed JSON) is a pushbench results file this version can read.
 * `label` names the file in messages. Throws ResultsFileError; returns the same object typed.
 */
export function validateResults(data: Json, label: string): ResultsFile {
  if (!isObject(data)) {
    throw new ResultsFileError('PUSHBENCH_RESULTS_SCHEMA', `${label} is not a pushbench results file: expected a JSON object, found ${describe(data)}`);
  }
  if (data.schemaVersion !== SCHEMA_VERSION) {
    throw new ResultsFileError(
      'PUSHBENCH_RESULTS_VERSION',
      `${label} has schemaVersion ${describe(data.schemaVersion)}; this pushbench reads schemaVersion ${SCHEMA_VERSION}`,
    );
  }
  const c = new Checker();
  checkTop(c, data);
  if (c.problems.length > 0) {
    const shown = c.problems.slice(0, 5).join('; ');
    const more = c.problems.length > 5 ? ` (and ${c.problems.length - 5} more)` : '';
    throw new ResultsFileError('PUSHBENCH_RESULTS_SCHEMA', `${label} is not a valid pushbench results file: ${shown}${more}`);
  }
  // Every field the renderers read has been checked above.
  return data as unknown as ResultsFile;
}

/**
 * Parse and validate the text of a results file. `label` names the file in messages.
 */
export function parseResults(text: string, label: string): ResultsFile {
  let data: Json;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ResultsFileError('PUSHBENCH_RESULTS_JSON', `${label} is not valid JSON: ${reason}`, { cause: error });
  }
  return validateResults(data, label);
}

function checkTop(c: Checker, data: Record<string, Json>): void {
  const tool = c.nested(data, 'tool', '$');
  if (tool !== null) c.string(tool, 'version', '$.tool');
  c.string(data, 'createdAt', '$');
  c.oneOf(data, 'state', ['completed', 'interrupted', 'failed'], '$');
  c.string(data, 'command', '$');

  const env = c.nested(data, 'environment', '$');
  if (env !== null) {
    for (const key of ['node', 'os', 'platform', 'arch', 'cpuModel']) c.string(env, key, '$.environment');
    c.numbers(env, ['cores', 'memoryBytes'], '$.environment');
    c.stringOrNull(env, 'gitCommit', '$.environment');
  }

  const profiles = c.nested(data, 'headerProfiles', '$');
  if (profiles !== null) {
    for (const [name, headers] of Object.entries(profiles)) {
      const path = `$.headerProfiles.${name}`;
      if (!Array.isArray(headers)) {
        c.fail(path, 'an array of [name, value] pairs', headers);
        continue;
      }
      headers.forEach((pair: Json, i) => {
        if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
          c.fail(`${path}[${i}]`, 'a [name, value] pair of strings', pair);
        }
      });
    }
  }

  if (data.headerProfileDetails !== undefined) {
    const details = c.nested(data, 'headerProfileDetails', '$');
    if (details !== null) {
      for (const name of Object.keys(details)) {
        const path = `$.headerProfileDetails.${name}`;
        const d = c.nested(details, name, '$.headerProfileDetails');
        if (d === null) continue;
        c.string(d, 'source', path);
        if (typeof d.cookie !== 'boolean') c.fail(`${path}.cookie`, 'a boolean', d.cookie);
        for (const kind of ['poll', 'longpoll', 'sse', 'publish', 'websocket', 'response']) {
          const list = d[kind];
          if (kind === 'response' && list === null) continue;
          if (!Array.isArray(list) || !list.every((pair: Json) => Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string' && typeof pair[1] === 'string')) {
            c.fail(`${path}.${kind}`, kind === 'response' ? 'null or an array of [name, value] pairs of strings' : 'an array of [name, value] pairs of strings', list);
          }
        }
      }
    }
  }

  const scenarios = data.scenarios;
  if (!Array.isArray(scenarios)) {
    c.fail('$.scenarios', 'an array', scenarios);
  } else {
    const ids = new Set<string>();
    scenarios.forEach((scenario: Json, i) => {
      const path = `$.scenarios[${i}]`;
      const s = c.object(scenario, path);
      if (s === null) return;
      checkScenario(c, s, path);
      if (typeof s.id === 'string') {
        if (ids.has(s.id)) c.fail(`${path}.id`, 'an id unique within the file', s.id);
        ids.add(s.id);
      }
    });
  }

  if (data.capacity !== undefined) {
    const cap = c.nested(data, 'capacity', '$');
    if (cap !== null) {
      c.string(cap, 'url', '$.capacity');
      c.numbers(cap, ['connections', 'durationMs', 'requestsPerSecond', 'latencyMsP99'], '$.capacity');
      if (!Array.isArray(cap.maxClientsByInterval)) c.fail('$.capacity.maxClientsByInterval', 'an array', cap.maxClientsByInterval);
      else {
        cap.maxClientsByInterval.forEach((row: Json, i) => {
          const r = c.object(row, `$.capacity.maxClientsByInterval[${i}]`);
          if (r !== null) c.numbers(r, ['intervalMs', 'clients'], `$.capacity.maxClientsByInterval[${i}]`);
        });
      }
      checkCapacityRigour(c, cap);
    }
  }

  if (data.micro !== undefined) {
    if (!Array.isArray(data.micro)) c.fail('$.micro', 'an array', data.micro);
    else {
      data.micro.forEach((row: Json, i) => {
        const path = `$.micro[${i}]`;
        const m = c.object(row, path);
        if (m === null) return;
        c.oneOf(m, 'technique', TECHNIQUES, path);
        c.string(m, 'name', path);
        c.numbers(m, ['opsPerSecond', 'meanNs', 'rme'], path);
      });
    }
  }
}

/** The fields the multi-process probe adds (absent in files of the one-process autocannon probe). */
function checkCapacityRigour(c: Checker, cap: Record<string, Json>): void {
  const p = '$.capacity';
  for (const key of ['loadProcesses', 'warmupMs', 'maxLoadEventLoopUtilization']) if (cap[key] !== undefined) c.number(cap, key, p);
  if (cap.serverEventLoopUtilization !== undefined && cap.serverEventLoopUtilization !== null) c.number(cap, 'serverEventLoopUtilization', p);
  if (cap.saturated !== undefined && typeof cap.saturated !== 'boolean') c.fail(`${p}.saturated`, 'a boolean', cap.saturated);
  if (cap.rounds !== undefined) {
    if (!Array.isArray(cap.rounds)) c.fail(`${p}.rounds`, 'an array', cap.rounds);
    else {
      cap.rounds.forEach((row: Json, i) => {
        const r = c.object(row, `${p}.rounds[${i}]`);
        if (r === null) return;
        c.number(r, 'requestsPerSecond', `${p}.rounds[${i}]`);
        for (const key of ['serverCpuMicrosPerPoll', 'serverEventLoopUtilization']) if (r[key] !== null) c.number(r, key, `${p}.rounds[${i}]`);
        if (!Array.isArray(r.loadEventLoopUtilization) || !r.loadEventLoopUtilization.every((u: Json) => typeof u === 'number')) {
          c.fail(`${p}.rounds[${i}].loadEventLoopUtilization`, 'an array of numbers', r.loadEventLoopUtilization);
        }
      });
    }
  }
  if (cap.costAtFixedRate !== undefined && cap.costAtFixedRate !== null) {
    const cost = c.nested(cap, 'costAtFixedRate', p);
    if (cost !== null) {
      c.numbers(cost, ['targetRequestsPerSecond', 'requestsPerSecond', 'windowMs', 'cpuMicrosPerPoll', 'serverEventLoopUtilization'], `${p}.costAtFixedRate`);
      if (!Array.isArray(cost.clientsPerCoreByInterval)) c.fail(`${p}.costAtFixedRate.clientsPerCoreByInterval`, 'an array', cost.clientsPerCoreByInterval);
    }
  }
}

function checkScenario(c: Checker, s: Record<string, Json>, path: string): void {
  for (const key of ['id', 'group', 'title', 'description']) c.string(s, key, path);
  const params = c.nested(s, 'params', path);
  if (params !== null) {
    const p = `${path}.params`;
    c.oneOf(params, 'workload', ['broadcast', 'chat'], p);
    c.numbers(params, ['clients', 'rate', 'payloadBytes', 'messageBytes', 'intervalMs', 'holdMs', 'durationMs', 'warmupMs', 'roomSize'], p);
    c.string(params, 'headers', p);
    c.stringOrNull(params, 'target', p);
  }
  const results = c.nested(s, 'results', path);
  if (results === null) return;
  for (const [technique, value] of Object.entries(results)) {
    const rp = `${path}.results.${technique}`;
    if (!(TECHNIQUES as readonly string[]).includes(technique)) {
      c.fail(rp, `a technique id (${TECHNIQUES.join(', ')})`, technique);
      continue;
    }
    const r = c.object(value, rp);
    if (r !== null) checkTechniqueResult(c, r, rp);
  }
  if (s.floor !== undefined) {
    const floor = c.object(s.floor, `${path}.floor`);
    if (floor !== null) checkTechniqueResult(c, floor, `${path}.floor`);
  }
}

function checkTechniqueResult(c: Checker, r: Record<string, Json>, path: string): void {
  c.oneOf(r, 'state', ['completed', 'failed', 'interrupted'], path);
  if (r.state !== 'completed') {
    c.string(r, 'error', path);
    return;
  }
  const messages = c.nested(r, 'messages', path);
  if (messages !== null) c.numbers(messages, ['published', 'expected', 'delivered', 'lost', 'duplicated', 'outOfOrder'], `${path}.messages`);
  const bytes = c.nested(r, 'bytes', path);
  if (bytes !== null) c.numbers(bytes, ['up', 'down', 'payload', 'setup', 'setupUp', 'setupDown'], `${path}.bytes`);
  const perMessage = c.nested(r, 'perMessage', path);
  if (perMessage !== null) {
    c.numbers(perMessage, ['totalBytes', 'overheadBytes', 'upBytes', 'downBytes', 'upOverheadBytes', 'downOverheadBytes'], `${path}.perMessage`);
  }
  c.numbers(r, ['perClientBytesPerSecond', 'bitsPerSecond', 'windowMs'], path);
  const latency = c.nested(r, 'latencyMs', path);
  if (latency !== null) {
    c.numbers(latency, ['p50', 'p90', 'p99', 'p999', 'max', 'min', 'mean', 'count'], `${path}.latencyMs`);
    c.string(latency, 'histogram', `${path}.latencyMs`);
  }
  if (r.publisher !== undefined && r.publisher !== null) {
    const publisher = c.nested(r, 'publisher', path);
    if (publisher !== null) {
      c.oneOf(publisher, 'side', ['server', 'clients'], `${path}.publisher`);
      c.number(publisher, 'busyWaitCpuPercent', `${path}.publisher`);
      const lateness = c.nested(publisher, 'latenessMs', `${path}.publisher`);
      if (lateness !== null) {
        c.numbers(lateness, ['p50', 'p90', 'p99', 'p999', 'max', 'min', 'mean', 'count'], `${path}.publisher.latenessMs`);
        c.string(lateness, 'histogram', `${path}.publisher.latenessMs`);
      }
    }
  }
  if (r.requests !== null) {
    const requests = c.nested(r, 'requests', path);
    if (requests !== null) c.numbers(requests, ['total', 'empty', 'late'], `${path}.requests`);
  }
  if (r.server !== null) {
    const server = c.nested(r, 'server', path);
    if (server !== null) {
      c.numbers(server, ['cpuPercent', 'rssBytes', 'rssIdleBytes', 'eventLoopUtilization', 'connections', 'lateTicks'], `${path}.server`);
      if (server.bytesPerConnection !== null) c.number(server, 'bytesPerConnection', `${path}.server`);
    }
  }
  const model = c.nested(r, 'model', path);
  if (model !== null) {
    c.numbers(model, ['requestHeadBytes', 'responseHeadBytes'], `${path}.model`);
    c.string(model, 'formula', `${path}.model`);
    const mp = c.nested(model, 'perMessage', `${path}.model`);
    if (mp !== null) c.numbers(mp, ['totalBytes', 'overheadBytes'], `${path}.model.perMessage`);
    const ml = c.nested(model, 'latencyMs', `${path}.model`);
    if (ml !== null) c.numbers(ml, ['mean', 'max'], `${path}.model.latencyMs`);
  }
  const clientErrors = c.nested(r, 'clientErrors', path);
  if (clientErrors !== null) {
    c.number(clientErrors, 'count', `${path}.clientErrors`);
    const first = clientErrors.first;
    if (!Array.isArray(first) || !first.every((e: Json) => typeof e === 'string')) c.fail(`${path}.clientErrors.first`, 'an array of strings', first);
  }
  if (r.agreement !== null) {
    const agreement = c.nested(r, 'agreement', path);
    if (agreement !== null) {
      c.numbers(agreement, ['serverUp', 'serverDown', 'clientUp', 'clientDown'], `${path}.agreement`);
      if (typeof agreement.agree !== 'boolean') c.fail(`${path}.agreement.agree`, 'a boolean', agreement.agree);
    }
  }
}
