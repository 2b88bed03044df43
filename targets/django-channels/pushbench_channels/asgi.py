"""The ASGI application daphne serves: Django views for publishing, polling and readiness;
Channels consumers for SSE, long polling and WebSocket (chat: a client's frame goes to its room).
Every path ends in the room: "broadcast" in the broadcast workload, the room number in chat."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pushbench_channels.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path, re_path  # noqa: E402

from . import consumers  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": URLRouter(
            [
                path("sse/<slug:room>", consumers.EventStreamConsumer.as_asgi()),
                path("longpoll/<slug:room>", consumers.LongPollConsumer.as_asgi()),
                re_path(r"", django_application),
            ]
        ),
        "websocket": URLRouter([path("ws/<slug:room>", consumers.FeedConsumer.as_asgi())]),
    }
)
