"""The feed, one per room ("broadcast" in the broadcast workload, the room number in chat): every
published message goes to the room's group, and into a short history of that room that the
polling and long-polling endpoints answer from (a Channels group only reaches its members of the
moment, so a client between two requests would otherwise miss what was published meanwhile).

The history lives in this process (one daphne), or, when the settings name a Redis
(PUSHBENCH_FEED_REDIS, the deployed form in targets/django-channels-redis), in Redis, so that a
client whose polls land on different daphne processes reads one history with one cursor."""

import collections
import itertools
import os

from channels.layers import get_channel_layer
from django.conf import settings

# Messages kept per room for clients that poll: enough for a poll interval at any rate pushbench allows.
HISTORY_LENGTH = 10000

# What this process did, for /stats: which process served what (the deployed form runs two).
counters = {"published": 0, "subscribers": 0, "sent": 0}


class MemoryHistory:
    """The room histories in this process's memory, ids from one counter."""

    def __init__(self):
        self._histories = collections.defaultdict(lambda: collections.deque(maxlen=HISTORY_LENGTH))
        self._ids = itertools.count(1)

    async def append(self, room, text):
        entry = (next(self._ids), text)
        self._histories[room].append(entry)
        return entry[0]

    async def newest_id(self, room):
        history = self._histories[room]
        return history[-1][0] if history else 0

    async def since(self, room, cursor):
        return [entry for entry in self._histories[room] if entry[0] > cursor]


# INCR the id and ZADD the entry in one step, so that the order of ids is the order in the history
# whichever process publishes; then trim the room to HISTORY_LENGTH.
APPEND_SCRIPT = """
local id = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], id, id .. ':' .. ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -tonumber(ARGV[2]) - 1)
return id
"""


class RedisHistory:
    """The room histories in Redis, shared by every process: a sorted set per room scored by id,
    each member "ID:TEXT"; ids from one INCR key."""

    def __init__(self, url):
        self._url = url
        self._client = None

    def _redis(self):
        # Made on first use, inside daphne's event loop (an asyncio client belongs to one loop).
        if self._client is None:
            import redis.asyncio

            self._client = redis.asyncio.Redis.from_url(self._url)
            self._append = self._client.register_script(APPEND_SCRIPT)
        return self._client

    @staticmethod
    def _key(room):
        return f"pushbench:history:{room}"

    @staticmethod
    def _entry(member):
        text = member.decode("utf-8")
        seq, _, body = text.partition(":")
        return (int(seq), body)

    async def append(self, room, text):
        self._redis()
        return int(await self._append(keys=["pushbench:ids", self._key(room)], args=[text, HISTORY_LENGTH]))

    async def newest_id(self, room):
        newest = await self._redis().zrange(self._key(room), -1, -1)
        return self._entry(newest[0])[0] if newest else 0

    async def since(self, room, cursor):
        members = await self._redis().zrangebyscore(self._key(room), f"({cursor}", "+inf")
        return [self._entry(m) for m in members]


_store = None


def store():
    global _store
    if _store is None:
        url = getattr(settings, "PUSHBENCH_FEED_REDIS", None)
        _store = RedisHistory(url) if url else MemoryHistory()
    return _store


def group(room):
    """The Channels group of a room (group names allow letters, digits, hyphens, underscores and periods)."""
    return f"room-{room}"


async def newest_id(room):
    return await store().newest_id(room)


async def since(room, cursor):
    """Every (id, text) of `room` after `cursor`, oldest first."""
    return await store().since(room, cursor)


async def publish(room, text):
    """Keeps `text` in the room's history and sends it to every member of the room's group."""
    seq = await store().append(room, text)
    counters["published"] += 1
    await get_channel_layer().group_send(group(room), {"type": "feed.message", "id": seq, "text": text})
    return seq


def stats():
    """This process's pid and counters: messages published here, subscribers (SSE and WebSocket) open here, messages sent to them."""
    return {"pid": os.getpid(), **counters}
