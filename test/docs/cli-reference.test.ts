/**
 * docs/cli.md is generated from the help texts the commands print (scripts/cli-reference.ts).
 * These tests fail when the committed file drifts from the generator, and when what a command
 * really prints for `--help` is not in the file.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { COMMANDS } from '../../cli/cli.ts';
import { EXIT } from '../../cli/exit-codes.ts';
import { CLI_REFERENCE_FILE, cliReferenceText, exitCodeDescriptions } from '../../scripts/cli-reference.ts';
import { runCli } from '../helpers/cli.ts';

const committed = readFileSync(CLI_REFERENCE_FILE, 'utf8');

test('docs/cli.md is what npm run docs:cli generates', () => {
  assert.ok(committed === cliReferenceText(), 'docs/cli.md is out of date: run npm run docs:cli');
});

test('every command has a section in docs/cli.md', () => {
  for (const name of Object.keys(COMMANDS)) assert.match(committed, new RegExp(`^## pushbench ${name}$`, 'm'), `no section for ${name}`);
});

test('the exit-code table lists every EXIT code with its TSDoc comment', () => {
  const descriptions = exitCodeDescriptions(readFileSync(new URL('../../cli/exit-codes.ts', import.meta.url), 'utf8'));
  for (const [key, code] of Object.entries(EXIT)) {
    const description = descriptions.get(key);
    assert.ok(description !== undefined && description.length > 0, `EXIT.${key} has no description`);
    assert.ok(committed.includes(`| ${code} | \`${key}\` | ${description} |`), `no row for exit code ${code} (${key})`);
  }
});

test('exitCodeDescriptions joins a multi-line TSDoc comment and refuses a file without EXIT', () => {
  const source =
    'export const EXIT = {\n  /**\n   * First line,\n   * second line.\n   */\n  ok: 0,\n  /** One line. */\n  failed: 1,\n} as const;';
  assert.deepEqual(
    [...exitCodeDescriptions(source)],
    [
      ['ok', 'First line, second line.'],
      ['failed', 'One line.'],
    ],
  );
  assert.throws(() => exitCodeDescriptions('const nothing = 1;'), /export const EXIT/);
});

test('what `pushbench --help` and each `pushbench <command> --help` print is in docs/cli.md', async () => {
  const runs = [[], ...Object.keys(COMMANDS).map((name) => [name])];
  for (const args of runs) {
    const result = await runCli([...args, '--help'], { timeoutMs: 60_000 });
    assert.equal(result.code, 0, `pushbench ${args.join(' ')} --help exited ${result.code}: ${result.stderr}`);
    const printed = result.stdout.trimEnd();
    assert.ok(printed.length > 0, `pushbench ${args.join(' ')} --help printed nothing`);
    assert.ok(committed.includes(`${printed}\n`), `pushbench ${args.join(' ')} --help differs from docs/cli.md: run npm run docs:cli`);
  }
});
