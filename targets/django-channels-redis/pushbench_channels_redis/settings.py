"""The Channels app of targets/django-channels as deployed: the same project, with channels_redis
as its channel layer and the feed's history in the same Redis (PUSHBENCH_FEED_REDIS), so that
group_send on one daphne process reaches the consumers of the other, and a client's polls read one
history whichever process answers them. start.sh sets PUSHBENCH_REDIS_SOCKET to the Redis it
started (a Unix socket in the run's own folder)."""

import os

from pushbench_channels.settings import *  # noqa: F401,F403

_redis = "unix://" + os.environ["PUSHBENCH_REDIS_SOCKET"]

# capacity as in the in-memory form: a consumer's queue holds well over one poll interval of messages.
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [{"address": _redis}], "capacity": 10000},
    }
}
PUSHBENCH_FEED_REDIS = _redis
