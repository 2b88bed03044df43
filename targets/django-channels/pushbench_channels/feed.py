"""The feed, one per room ("broadcast" in the broadcast workload, the room number in chat): every
published message goes to the room's group, and into a short history of that room that the
polling and long-polling endpoints answer from (a Channels group only reaches its members of the
moment, so a client between two requests would otherwise miss what was published meanwhile)."""

import collections
import itertools

from channels.layers import get_channel_layer

# Messages kept per room for clients that poll: enough for a poll interval at any rate pushbench allows.
HISTORY_LENGTH = 10000
_histories = collections.defaultdict(lambda: collections.deque(maxlen=HISTORY_LENGTH))
_ids = itertools.count(1)


def group(room):
    """The Channels group of a room (group names allow letters, digits, hyphens, underscores and periods)."""
    return f"room-{room}"


def newest_id(room):
    history = _histories[room]
    return history[-1][0] if history else 0


def since(room, cursor):
    """Every (id, text) of `room` after `cursor`, oldest first."""
    return [entry for entry in _histories[room] if entry[0] > cursor]


async def publish(room, text):
    """Keeps `text` in the room's history and sends it to every member of the room's group."""
    entry = (next(_ids), text)
    _histories[room].append(entry)
    await get_channel_layer().group_send(group(room), {"type": "feed.message", "id": entry[0], "text": text})
    return entry[0]
