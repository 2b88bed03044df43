"""Plain Django views: publishing to a room (an async POST view that group_sends), short polling, readiness, per-process stats."""

import json

from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse

from . import feed

CURSOR = "X-Cursor"


def cursor_of(request):
    try:
        return int(request.headers.get(CURSOR, ""))
    except ValueError:
        return None


async def publish(request, room):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    await feed.publish(room, request.body.decode("utf-8"))
    return HttpResponse(status=204)


async def poll(request, room):
    """Everything of the room after the client's cursor at once (maybe nothing), as [{"message": text}, ...]."""
    cursor = cursor_of(request)
    # A first poll starts from now: it gets no history, only the cursor to carry.
    entries = [] if cursor is None else await feed.since(room, cursor)
    newest = entries[-1][0] if entries else (await feed.newest_id(room) if cursor is None else cursor)
    body = json.dumps([{"message": text} for _, text in entries])
    response = HttpResponse(body, content_type="application/json")
    response[CURSOR] = str(newest)
    return response


def ready(request):
    return HttpResponse(status=204)


def stats(request):
    """Which process this is and what it did (feed.stats): how a test sees where clients landed."""
    return JsonResponse(feed.stats())
