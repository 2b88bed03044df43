"""Channels consumers: WebSocket (the Channels tutorial's chat: join the room's group, send each
message as JSON {"message": text}, and group_send what the client sends to its room, the sender
included), Server-Sent Events and long polling (AsyncHttpConsumer). The room is the path's last segment."""

import asyncio
import json

from channels.exceptions import StopConsumer
from channels.generic.http import AsyncHttpConsumer
from channels.generic.websocket import AsyncWebsocketConsumer

from . import feed

# A held long poll is answered empty after this long, as pushbench's own does after --hold.
HOLD_SECONDS = 30


def room_of(scope):
    return scope["url_route"]["kwargs"]["room"]


class FeedConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.room = room_of(self.scope)
        await self.channel_layer.group_add(feed.group(self.room), self.channel_name)
        await self.accept()
        feed.counters["subscribers"] += 1
        self.counted = True

    async def disconnect(self, code):
        if getattr(self, "counted", False):
            feed.counters["subscribers"] -= 1
        await self.channel_layer.group_discard(feed.group(self.room), self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        # Chat: what a client sends goes to everyone in its room (into the room's history too, as a POST would).
        if text_data is not None:
            await feed.publish(self.room, text_data)

    async def feed_message(self, event):
        feed.counters["sent"] += 1
        await self.send(text_data=json.dumps({"message": event["text"]}))


class EventStreamConsumer(AsyncHttpConsumer):
    """One long response: an event per message. AsyncHttpConsumer ends the consumer when handle()
    returns, so the request is taken in http_request and the stream stays open until the client goes."""

    async def http_request(self, message):
        if message.get("more_body"):
            return
        self.room = room_of(self.scope)
        await self.channel_layer.group_add(feed.group(self.room), self.channel_name)
        await self.send_headers(headers=[(b"Content-Type", b"text/event-stream"), (b"Cache-Control", b"no-cache")])
        # The first body part sends the head: the client knows it is subscribed.
        await self.send_body(b": subscribed\n\n", more_body=True)
        feed.counters["subscribers"] += 1
        self.counted = True

    async def feed_message(self, event):
        feed.counters["sent"] += 1
        data = json.dumps({"message": event["text"]})
        await self.send_body(f"id: {event['id']}\ndata: {data}\n\n".encode("utf-8"), more_body=True)

    async def http_disconnect(self, message):
        if getattr(self, "counted", False):
            feed.counters["subscribers"] -= 1
        await self.channel_layer.group_discard(feed.group(room_of(self.scope)), self.channel_name)
        raise StopConsumer()


class LongPollConsumer(AsyncHttpConsumer):
    """Answers at once with everything after the client's X-Cursor, else holds the request until a
    message arrives (or HOLD_SECONDS pass). A first request without a cursor waits for the next message."""

    async def http_request(self, message):
        if message.get("more_body"):
            return
        self.room = room_of(self.scope)
        headers = dict(self.scope["headers"])
        try:
            self.cursor = int(headers.get(b"x-cursor", b""))
        except ValueError:
            self.cursor = await feed.newest_id(self.room)
        self.answered = False
        if await feed.since(self.room, self.cursor):
            await self.answer()
            return
        await self.channel_layer.group_add(feed.group(self.room), self.channel_name)
        # A message published while joining the group (a round trip to Redis in the deployed form)
        # reached the group before this request was in it: it is in the history, so answer now.
        if await feed.since(self.room, self.cursor):
            await self.answer()
            return
        self.timer = asyncio.get_running_loop().call_later(HOLD_SECONDS, lambda: asyncio.ensure_future(self.answer()))

    async def feed_message(self, event):
        await self.answer()

    async def answer(self):
        if self.answered:
            return
        self.answered = True
        if hasattr(self, "timer"):
            self.timer.cancel()
        entries = await feed.since(self.room, self.cursor)
        newest = entries[-1][0] if entries else self.cursor
        body = json.dumps([{"message": text} for _, text in entries]).encode("utf-8")
        await self.send_response(200, body, headers=[(b"Content-Type", b"application/json"), (b"X-Cursor", str(newest).encode())])
        await self.channel_layer.group_discard(feed.group(self.room), self.channel_name)

    async def http_disconnect(self, message):
        if hasattr(self, "timer"):
            self.timer.cancel()
        await self.channel_layer.group_discard(feed.group(room_of(self.scope)), self.channel_name)
        raise StopConsumer()
