/**
 * A hostile results.json (negative counts and byte totals, issue 8) is refused by the commands
 * that read results, with exit 2 and the JSON path, instead of being rendered without a word.
 */
import assert from 'node:assert/strict';
import { readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCompareCommand } from '../../cli/compare.ts';
import { runReportCommand } from '../../cli/report.ts';
import { captureIo, FIXTURE_PATH, loadFixture, tempDir } from '../reports/helpers.ts';

let dir = '';
let hostile = '';

before(async () => {
  dir = await tempDir('hostile-results');
  const results = loadFixture();
  const ws = results.scenarios[0]?.results.websocket;
  assert.ok(ws?.state === 'completed');
  ws.messages.delivered = -1000;
  ws.bytes.down = -123456;
  hostile = path.join(dir, 'results.json');
  await writeFile(hostile, JSON.stringify(results));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const PROBLEMS =
  '$.scenarios[0].results.websocket.messages.delivered: expected an integer ≥ 0, found -1000; $.scenarios[0].results.websocket.bytes.down: expected an integer ≥ 0, found -123456';

test('pushbench report refuses it: exit 2, both paths named, nothing written', async () => {
  const out = captureIo();
  assert.equal(await runReportCommand([hostile], out.io), 2);
  assert.equal(out.stderr(), `pushbench report: ${hostile} is not a valid pushbench results file: ${PROBLEMS}\n`);
  assert.equal(out.stdout(), '');
  assert.deepEqual(await readdir(dir), ['results.json'], 'no report was rendered');
});

test('pushbench compare refuses it as CURRENT and as BASE: exit 2, paths named', async () => {
  for (const argv of [
    [FIXTURE_PATH, hostile],
    [hostile, FIXTURE_PATH],
  ]) {
    const out = captureIo();
    assert.equal(await runCompareCommand(argv, out.io), 2, argv.join(' '));
    assert.equal(out.stderr(), `pushbench compare: ${hostile} is not a valid pushbench results file: ${PROBLEMS}\n`);
    assert.equal(out.stdout(), '');
  }
});
