/**
 * Memory a stranger can grow: a real server child process is flooded with requests for
 * 10,000 rooms it does not hold and with 3,000 publishes of 60 KB, and its RSS (from the
 * child's own stats over IPC) must stay under a bound computed from its configured
 * limits plus a stated margin. Before rooms were configured, each named room allocated a
 * 4,096-slot ring (about 37 KiB, 365 MiB for these 10,000 rooms), and the rings kept every
 * publish up to their count (about 2 x 60 KB each, 360 MB for these).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ServerProcess } from '../../run/server-process.ts';
import { openRaw, parseResponses, type RawClient } from '../helpers/wire.ts';

const ROOMS = 8;
const RING_BYTES = 8 * 1024 * 1024;
const MAX_MESSAGE_BYTES = 65_536;
/** The publish body's data: the largest message the limit lets through, give or take its JSON. */
const DATA_BYTES = 60_000;
const PUBLISHES = 3000;
const ROOM_REQUESTS = 10_000;

/**
 * The rings' own bound (servers/feed.ts): RING_BYTES of `retainedBytes` in all, plus the
 * newest message of each feed, which stays even over its share; a message is accounted at
 * 5 x its JSON + 256 bytes (its JSON adds at most 100 bytes of envelope to the body).
 */
const RING_BOUND_BYTES = RING_BYTES + (ROOMS + 1) * (5 * (MAX_MESSAGE_BYTES + 100) + 256);
/**
 * Garbage not yet collected and allocator slack: V8 collects 60 KB bodies only once enough
 * of them pile up (its young generation and its external-memory trigger are tens of MiB),
 * and freed memory is not always handed back to the system.
 */
const MARGIN_BYTES = 96 * 1024 * 1024;

let server: ServerProcess;
let port: number;

before(async () => {
  server = await ServerProcess.spawn({
    techniques: ['polling'],
    rate: 0,
    payloadBytes: 64,
    holdMs: 30_000,
    ringSize: 4096,
    rooms: ROOMS,
    ringBytes: RING_BYTES,
    maxMessageBytes: MAX_MESSAGE_BYTES,
  });
  port = Number(new URL(server.url).port);
});
after(() => server.close());

/** Sends `requests` pipelined on one connection, `batch` at a time, and returns the statuses. */
async function pipelined(requests: Iterable<string>, batch = 100): Promise<number[]> {
  const statuses: number[] = [];
  let client: RawClient = await openRaw(port);
  let pending: string[] = [];
  const flush = async (): Promise<void> => {
    client.send(pending.join(''));
    const want = pending.length;
    const text = await client.waitFor((t) => parseResponses(t).length >= want, `${want} responses`, 30_000);
    for (const response of parseResponses(text)) statuses.push(response.status);
    // A fresh connection per batch keeps the received text (and the parse) small.
    client.close();
    client = await openRaw(port);
    pending = [];
  };
  for (const request of requests) {
    pending.push(request);
    if (pending.length === batch) await flush();
  }
  if (pending.length > 0) await flush();
  client.close();
  return statuses;
}

function* roomPolls(): Generator<string> {
  for (let room = 0; room < ROOM_REQUESTS; room++) yield `GET /poll?room=${room} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`;
}

function* publishes(): Generator<string> {
  for (let i = 0; i < PUBLISHES; i++) {
    // Every room the server holds and the broadcast feed, in turn.
    const room = i % (ROOMS + 1);
    const body = JSON.stringify(room === ROOMS ? { data: 'p'.repeat(DATA_BYTES) } : { room, data: 'p'.repeat(DATA_BYTES) });
    yield `POST /publish HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  }
}

test('a flood of rooms and publishes leaves the server under its configured memory bound', async () => {
  // Warm every code path once, so that what follows measures what the flood keeps.
  await pipelined([...roomPolls()].slice(0, 20));
  await pipelined([...publishes()].slice(0, 20), 10);
  const idle = (await server.stats()).stats;

  const pollStatuses = await pipelined(roomPolls());
  assert.equal(pollStatuses.filter((s) => s === 200).length, ROOMS, 'the configured rooms answer');
  assert.equal(pollStatuses.filter((s) => s === 400).length, ROOM_REQUESTS - ROOMS, 'every other room is refused');

  const publishStatuses = await pipelined(publishes(), 20);
  assert.equal(publishStatuses.filter((s) => s === 204).length, PUBLISHES, 'every publish was accepted: the flood reached the rings');

  const flooded = (await server.stats()).stats;
  assert.equal(flooded.published, idle.published + PUBLISHES);
  const grownBytes = flooded.process.rssBytes - idle.process.rssBytes;
  const boundBytes = RING_BOUND_BYTES + MARGIN_BYTES;
  const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  assert.ok(
    grownBytes <= boundBytes,
    `RSS grew by ${mib(grownBytes)} (idle ${mib(idle.process.rssBytes)}); bound ${mib(boundBytes)} = rings ${mib(RING_BOUND_BYTES)} + margin ${mib(MARGIN_BYTES)}`,
  );

  // The server still answers, and holds the newest messages of a room.
  const [status] = await pipelined([`GET /poll?room=0 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`]);
  assert.equal(status, 200);
});
