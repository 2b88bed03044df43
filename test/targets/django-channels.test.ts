/**
 * End-to-end against a real Django Channels app under daphne (Debian's python3-django,
 * python3-django-channels and daphne, installed by .ci/run), started by pushbench from
 * targets/django-channels/target.json: every technique it offers delivers every published
 * message (found inside Channels' {"message": "..."} envelope, JSON-escaped), loses none, and
 * its bytes agree with the kernel's.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { liveChildren } from '../../run/children.ts';
import { assertAccounted, completed, runOn, skipUnless, target, tinyParams } from '../helpers/targets.ts';

const skip = skipUnless(
  ['/usr/bin/daphne', '/usr/lib/python3/dist-packages/channels', '/usr/lib/python3/dist-packages/django'],
  'apt-get install python3-django python3-django-channels daphne',
);
const channels = target('targets/django-channels/target.json');

describe('Django Channels: every technique accounts for every message', { skip }, () => {
  for (const technique of channels.techniques) {
    test(technique, async () => {
      const params = tinyParams();
      const r = completed(await runOn(channels, technique, params));
      assertAccounted(r, params.clients, technique);
      // Channels' envelope and its escaping are overhead: more than the message itself on every technique.
      assert.ok(r.perMessage.downOverheadBytes > 0);
    });
  }

  test('nothing is left running', () => {
    assert.equal(liveChildren(), 0);
  });
});

test('the Channels app offers the four techniques', () => {
  assert.deepEqual([...channels.techniques].sort(), ['longpoll', 'polling', 'sse', 'websocket']);
});
