"""The feed: every published message goes to the group "feed", and into a short history that the
polling and long-polling endpoints answer from (a Channels group only reaches its members of the
moment, so a client between two requests would otherwise miss what was published meanwhile)."""

import collections
import itertools

from channels.layers import get_channel_layer

GROUP = "feed"
# Messages kept for clients that poll: enough for a poll interval at any rate pushbench allows.
HISTORY = collections.deque(maxlen=10000)
_ids = itertools.count(1)


def newest_id():
    return HISTORY[-1][0] if HISTORY else 0


def since(cursor):
    """Every (id, text) after `cursor`, oldest first."""
    return [entry for entry in HISTORY if entry[0] > cursor]


async def publish(text):
    """Keeps `text` in the history and sends it to every member of the group."""
    entry = (next(_ids), text)
    HISTORY.append(entry)
    await get_channel_layer().group_send(GROUP, {"type": "feed.message", "id": entry[0], "text": text})
    return entry[0]
