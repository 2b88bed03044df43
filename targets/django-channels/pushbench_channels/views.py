"""Plain Django views: publishing to a room (an async POST view that group_sends), short polling, readiness."""

import json

from django.http import HttpResponse, HttpResponseNotAllowed

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
    entries = [] if cursor is None else feed.since(room, cursor)
    newest = entries[-1][0] if entries else (feed.newest_id(room) if cursor is None else cursor)
    body = json.dumps([{"message": text} for _, text in entries])
    response = HttpResponse(body, content_type="application/json")
    response[CURSOR] = str(newest)
    return response


def ready(request):
    return HttpResponse(status=204)
