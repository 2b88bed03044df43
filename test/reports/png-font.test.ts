import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseFont, FontNotFoundError, type FontEnvironment } from '../../reports/png.ts';

const env = (over: Partial<FontEnvironment>): FontEnvironment => ({
  candidates: ['/fonts/a.ttf', '/fonts/b.ttf'],
  exists: () => false,
  register: () => false,
  families: () => [],
  ...over,
});

test('registers the first candidate font file that exists', () => {
  const registered: string[] = [];
  const family = chooseFont(
    env({
      exists: (p) => p === '/fonts/b.ttf',
      register: (p) => {
        registered.push(p);
        return true;
      },
    }),
  );
  assert.equal(family, 'pushbench-sans');
  assert.deepEqual(registered, ['/fonts/b.ttf']);
});

test('falls back to a family the canvas library already found', () => {
  assert.equal(chooseFont(env({ families: () => ['Liberation Sans'] })), 'Liberation Sans');
});

test('with no font at all, fails with an error that says how to install one', () => {
  assert.throws(
    () => chooseFont(env({})),
    (error: unknown) =>
      error instanceof FontNotFoundError &&
      error.code === 'PUSHBENCH_NO_FONT' &&
      error.message.includes('no usable font found (tried /fonts/a.ttf, /fonts/b.ttf') &&
      error.message.includes('apt-get install fonts-dejavu-core'),
  );
});
