/**
 * One list of bundled header profiles (core/header-profile.ts): the profiles load/headers.ts
 * builds, the names `--headers` accepts and its help, and the results schema's description all
 * come from it, so none of them can name a profile the others do not know.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUILTIN_PROFILE_NAMES, BUILTIN_PROFILE_SUMMARIES } from '../../core/header-profile.ts';
import { HeaderProfileNameSchema } from '../../core/results.ts';
import { HEADER_PROFILES, headerProfile } from '../../load/headers.ts';
import { RUN_HELP, parseRunArgs } from '../../cli/options.ts';

test("every bundled name has a profile of that name, in the list's order, and nothing else is bundled", () => {
  assert.deepEqual(Object.keys(HEADER_PROFILES), [...BUILTIN_PROFILE_NAMES]);
  for (const name of BUILTIN_PROFILE_NAMES) assert.equal(headerProfile(name).name, name);
  assert.deepEqual(Object.keys(BUILTIN_PROFILE_SUMMARIES), [...BUILTIN_PROFILE_NAMES]);
});

test('--headers accepts each bundled name and its help describes each one', () => {
  for (const name of BUILTIN_PROFILE_NAMES) {
    assert.equal(parseRunArgs(['--headers', name]).headers, name);
    assert.ok(RUN_HELP.includes(`${name} (${BUILTIN_PROFILE_SUMMARIES[name]})`), `the help describes ${name}`);
  }
});

test('an unknown profile and the results schema name the bundled ones from the same list', () => {
  assert.throws(() => headerProfile('curl'), {
    name: 'RangeError',
    message: `unknown header profile "curl"; bundled: ${BUILTIN_PROFILE_NAMES.join(', ')}`,
  });
  assert.equal(
    HeaderProfileNameSchema.description,
    `a header profile: ${BUILTIN_PROFILE_NAMES.join(', ')}, or file:NAME for the user's --headers FILE`,
  );
});
