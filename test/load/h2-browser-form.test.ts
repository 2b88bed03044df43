/**
 * The `browser` profile's HTTP/2 form is Chromium's, as the h2 capture recorded it
 * (load/captures/chromium-h2.json, `npm run headers:capture -- --h2`): the h2 client sends a
 * poll, a long poll and an EventSource request with the pseudo-headers in Chromium's order
 * (:method, :authority, :scheme, :path), the regular fields in the capture's order, and the
 * `priority` field Chromium adds over HTTP/2; an extended CONNECT puts :protocol last, as
 * Chromium does. Checked on a real node:http2 server's `rawHeaders`, in the order they arrived.
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { SocketCounter } from '../../core/socket-counter.ts';
import { H2Tab } from '../../load/h2-tab.ts';
import { CHROMIUM_H2_CAPTURE, CHROMIUM_H2_FORM, HEADER_PROFILES } from '../../load/headers.ts';

const received: string[][] = [];
let server: http2.Http2Server;
let origin = '';

before(async () => {
  server = http2.createServer({ settings: { enableConnectProtocol: true } });
  server.on('stream', (stream: http2.ServerHttp2Stream, _headers: http2.IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
    received.push(rawHeaders.filter((_, i) => i % 2 === 0).concat(['=', rawHeaders[rawHeaders.indexOf('priority') + 1] ?? '']));
    stream.respond({ ':status': 200 });
    stream.end('[]');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

/** The capture's header names for `kind`, in wire order. */
function captured(kind: string): string[] {
  const request = CHROMIUM_H2_CAPTURE.requests.find((r) => r.kind === kind);
  assert.ok(request, `the h2 capture has a ${kind} request`);
  return request.headers.map(([name]) => name);
}

test('the capture itself: Chromium over h2 orders pseudo-headers :method :authority :scheme :path and adds priority u=1, i', () => {
  assert.deepEqual(CHROMIUM_H2_FORM.pseudoOrder, [':method', ':authority', ':scheme', ':path']);
  assert.deepEqual(CHROMIUM_H2_FORM.connectPseudoOrder, [':method', ':authority', ':scheme', ':path', ':protocol']);
  assert.equal(CHROMIUM_H2_FORM.priority, 'u=1, i');
  const polls = CHROMIUM_H2_CAPTURE.requests.filter((r) => r.kind === 'poll');
  assert.equal(polls.length, 2);
  // HPACK: the repeated poll is a few bytes of indexes where the first carried the set.
  assert.ok(polls[1]!.headerBlockBytes! < polls[0]!.headerBlockBytes!, JSON.stringify(polls.map((p) => p.headerBlockBytes)));
});

test("a poll, a long poll and an EventSource request leave the h2 client in Chromium's order", async () => {
  const profile = HEADER_PROFILES.browser;
  const tab = new H2Tab(origin, new SocketCounter(), null, 'snapshot');
  try {
    await tab.useGetHeaders(profile.poll, []).get('/poll?since=0');
    await tab.useGetHeaders(profile.longPoll, []).get('/longpoll?since=0');
    await new Promise<void>((resolve, reject) =>
      tab.stream('/sse?since=0', profile.eventSource.flat(), {
        onStart: () => {},
        onChunk: () => {},
        onEnd: (error) => (error === null ? resolve() : reject(error)),
      }),
    );
  } finally {
    tab.destroy();
  }
  const [poll, longPoll, eventSource] = received
    .slice(-3)
    .map((names) => ({ names: names.slice(0, names.indexOf('=')), priority: names[names.length - 1] }));
  assert.deepEqual(poll!.names, captured('poll'));
  assert.deepEqual(longPoll!.names, captured('longPoll'));
  assert.deepEqual(eventSource!.names, captured('eventSource'));
  for (const request of [poll, longPoll, eventSource]) assert.equal(request!.priority, 'u=1, i');
});

test("the minimal profile gets Chromium's pseudo-header order and no priority field (it is no browser)", async () => {
  const tab = new H2Tab(origin, new SocketCounter(), null, 'snapshot');
  try {
    await tab.useGetHeaders(HEADER_PROFILES.minimal.poll, []).get('/poll?since=0');
  } finally {
    tab.destroy();
  }
  const names = received.at(-1)!;
  assert.deepEqual(names.slice(0, 4), [':method', ':authority', ':scheme', ':path']);
  assert.ok(!names.slice(0, names.indexOf('=')).includes('priority'));
});
