/**
 * Which scenarios each target runs: a chat scenario runs on the built-in servers and on a target
 * file (whose clients count what each room accepted), not on a server at a URL (which cannot say).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forTargets } from '../../run/scenarios.ts';
import { BUILTIN_TARGET, urlTarget } from '../../run/targets.ts';
import type { ScenarioSpec } from '../../run/runner.ts';
import { target, tinyParams } from '../helpers/targets.ts';

const spec = (id: string, workload: 'broadcast' | 'chat'): ScenarioSpec => ({
  id,
  group: id,
  title: id,
  description: '',
  params: tinyParams({ workload, roomSize: 2 }),
  techniques: ['websocket'],
});

test('chat on the built-in servers and a target file, not on --target URL', () => {
  const specs = forTargets(
    [spec('broadcast', 'broadcast'), spec('chat', 'chat')],
    [BUILTIN_TARGET, target('targets/nchan/target.json'), urlTarget('http://127.0.0.1:9')],
  );
  assert.deepEqual(
    specs.map((s) => s.id),
    ['broadcast', 'chat', 'broadcast@nchan', 'chat@nchan', 'broadcast@url'],
  );
});
