/** The shared flag machinery: node:util parseArgs underneath, our exact messages on top, help from the same rows. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../core/errors.ts';
import {
  booleanReader,
  enumReader,
  HELP_ROW,
  helpLines,
  integerReader,
  parseCommand,
  stringReader,
  synopsis,
  tokenizeFlags,
  type Flag,
} from '../../cli/flags.ts';

const TABLE = {
  out: { flag: 'out', arg: 'DIR', help: 'folder', defaultText: null, reader: stringReader('a folder') },
  count: { flag: 'count', arg: 'N', help: 'how many', defaultText: '3', reader: integerReader(1, 9) },
  mode: { flag: 'mode', arg: 'M', help: 'which', defaultText: 'a', reader: enumReader(['a', 'b'] as const) },
  tag: { flag: 'tag', arg: 'T', help: 'repeatable', defaultText: null, reader: stringReader('a tag'), multiple: true },
  json: { flag: 'json', arg: null, help: 'as JSON', defaultText: 'off', reader: booleanReader() },
} as const satisfies Record<string, Flag<unknown>>;
const ROWS = Object.values(TABLE);
const ALLOWED = '--out, --count, --mode, --tag, --json, --help';

function refuses(argv: string[], message: string, positionals = false): void {
  assert.throws(
    () => parseCommand(argv, TABLE, { positionals }),
    (error: unknown) => error instanceof ConfigError && error.code === 'PUSHBENCH_INVALID_CONFIG' && error.message === message,
    `${argv.join(' ')} -> ${message}`,
  );
}

test('values are read by their rows, typed, in every flag form', () => {
  const { values, positionals, help } = parseCommand(['--out', 'x', '--count=4', '--json', '--tag', 'p', '--tag=q', 'file.json'], TABLE, {
    positionals: true,
  });
  assert.deepEqual(values, { out: 'x', count: 4, json: true, tag: ['p', 'q'] });
  assert.deepEqual(positionals, ['file.json']);
  assert.equal(help, false);
  assert.deepEqual(parseCommand(['--json=false'], TABLE, { positionals: false }).values, { json: false });
});

test('after -- everything is a positional, even what looks like a flag', () => {
  assert.deepEqual(parseCommand(['--', '--count'], TABLE, { positionals: true }).positionals, ['--count']);
});

test('help wins over everything else on the line', () => {
  for (const argv of [['--help'], ['-h'], ['--count', '0', '--help'], ['--bogus', '-h']]) {
    assert.equal(parseCommand(argv, TABLE, { positionals: false }).help, true, argv.join(' '));
  }
});

test('bad input: exact messages naming what was received and what is allowed', () => {
  refuses(['--bogus'], `unknown option --bogus; allowed: ${ALLOWED}`);
  refuses(['--bogus=1'], `unknown option --bogus; allowed: ${ALLOWED}`);
  refuses(['file.json'], `unexpected argument "file.json"; options start with --, allowed: ${ALLOWED}`);
  refuses(['-5'], `unexpected argument "-5"; options start with --, allowed: ${ALLOWED}`);
  refuses(['-xv'], `unexpected argument "-xv"; options start with --, allowed: ${ALLOWED}`);
  refuses(['--count'], 'missing value for --count; expected an integer from 1 to 9');
  refuses(['--count', '--json'], 'missing value for --count; expected an integer from 1 to 9');
  refuses(['--count', '10'], 'invalid --count: received "10"; expected an integer from 1 to 9');
  refuses(['--count', '-1'], 'invalid --count: received "-1"; expected an integer from 1 to 9');
  refuses(['--mode', 'c'], 'invalid --mode: received "c"; allowed: a, b');
  refuses(['--json=maybe'], 'invalid --json: received "maybe"; expected true or false');
});

test('a duplicated flag is an error naming it and both occurrences; a multiple flag keeps every one', () => {
  refuses(['--count', '2', '--count=3'], 'duplicate option --count: received "--count 2" and "--count=3"; give each option once');
  refuses(['--json', '--json'], 'duplicate option --json: received "--json" and "--json"; give each option once');
  assert.deepEqual(tokenizeFlags(['--tag', 'a', '--tag', 'b', '--tag', 'c'], ROWS).inputs.get('tag')?.input, ['a', 'b', 'c']);
});

test('the help text and the usage line come from the same rows as the parser', () => {
  assert.equal(synopsis(ROWS), '[--out DIR] [--count N] [--mode M] [--tag T ...] [--json]');
  assert.equal(
    helpLines([...ROWS, HELP_ROW]),
    [
      '  --out DIR    folder',
      '  --count N    how many (default: 3)',
      '  --mode M     which (default: a)',
      '  --tag T ...  repeatable',
      '  --json       as JSON (default: off)',
      '  --help       show this help',
    ].join('\n'),
  );
});
