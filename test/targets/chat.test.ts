/**
 * The chat workload against real foreign servers (nginx + Nchan, Django Channels under daphne),
 * started from their target files: every client publishes on its own schedule (a WebSocket
 * frame on its own socket, or the target's publish request for the HTTP techniques, the room in
 * the path), `expected` is what the target accepted per room times the room's members (never
 * what arrived), every accepted message reaches every member of its room and no other room,
 * and the clients' bytes equal the kernel's at the window edges.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CompletedResult } from '../../core/results.ts';
import { liveChildren } from '../../run/children.ts';
import { assertWholeAndKernelAgrees, completed, runOn, skipUnless, target, tinyParams } from '../helpers/targets.ts';

const ROOMS = 2;
const ROOM_SIZE = 2;

function chatParams() {
  return tinyParams({ workload: 'chat', clients: ROOMS * ROOM_SIZE, roomSize: ROOM_SIZE, rate: 2 });
}

/** Every accepted message at every member of its room: delivered = accepted x room size, nothing lost, nothing from another room. */
function assertChatAccounted(r: CompletedResult): void {
  assert.ok(r.messages.published > 0, 'the clients had messages accepted in the window');
  assert.equal(r.messages.expected, r.messages.published * ROOM_SIZE, 'expected = accepted x members of the room');
  assert.equal(r.messages.delivered, r.messages.expected, 'every accepted message reached every member of its room');
  assert.equal(r.messages.outOfOrder, 0, "each sender's messages in order");
  assertWholeAndKernelAgrees(r);
  assert.ok(r.perMessage.upBytes > 0, 'the upstream is counted');
}

const stacks = [
  {
    file: 'targets/nchan/target.json',
    skip: skipUnless(['/usr/sbin/nginx', '/usr/share/nginx/modules/ngx_nchan_module.so'], 'apt-get install nginx libnginx-mod-nchan'),
  },
  {
    file: 'targets/django-channels/target.json',
    skip: skipUnless(
      ['/usr/bin/daphne', '/usr/lib/python3/dist-packages/channels', '/usr/lib/python3/dist-packages/django'],
      'apt-get install python3-django python3-django-channels daphne',
    ),
  },
];

for (const stack of stacks) {
  const t = target(stack.file);
  describe(`chat on ${t.name}: every accepted message reaches its room`, { skip: stack.skip }, () => {
    for (const technique of t.techniques) {
      test(technique, async () => {
        const r = completed(await runOn(t, technique, chatParams()));
        assertChatAccounted(r);
      });
    }
    test('nothing is left running', () => {
      assert.equal(liveChildren(), 0);
    });
  });
}
