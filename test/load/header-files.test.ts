/**
 * `--headers FILE`: JSON header lists and HAR files become profiles, HAR requests are sorted
 * into poll, long poll, SSE, upgrade and publish, and every bad file is refused with an exact
 * message naming the file, the problem and what is allowed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeaderFileError, loadHeaderFile } from '../../load/header-files.ts';

/** Loads `text` as if it were the file `name`. */
const load = (name: string, text: string) => loadHeaderFile(name, () => text);

function refuses(name: string, text: string, message: string): void {
  assert.throws(
    () => load(name, text),
    (error: unknown) => {
      assert.ok(error instanceof HeaderFileError, String(error));
      assert.equal(error.code, 'PUSHBENCH_INVALID_CONFIG', 'bad input: exit 2');
      assert.equal(error.message, message);
      return true;
    },
  );
}

test('a JSON file of header lists: kinds left out take the poll list, the upgrade none', () => {
  const profile = load(
    'mine.json',
    JSON.stringify({
      poll: [
        ['User-Agent', 'probe/1'],
        ['Cookie', 'a=b'],
      ],
      eventSource: [['Accept', 'text/event-stream']],
    }),
  );
  assert.equal(profile.name, 'file:mine.json');
  assert.equal(profile.source, 'the header file mine.json');
  assert.equal(profile.cookie, true);
  assert.deepEqual(profile.poll, [
    ['User-Agent', 'probe/1'],
    ['Cookie', 'a=b'],
  ]);
  assert.deepEqual(profile.longPoll, profile.poll);
  assert.deepEqual(profile.publish, profile.poll);
  assert.deepEqual(profile.eventSource, [['Accept', 'text/event-stream']]);
  assert.deepEqual(profile.upgrade, []);
  assert.equal(profile.response, null);
  const withResponse = load(
    'r.json',
    JSON.stringify({
      poll: [],
      response: [
        ['Server', 'x'],
        ['Content-Length', '0'],
      ],
    }),
  );
  assert.deepEqual(withResponse.response, [
    ['Server', 'x'],
    ['Content-Length', '0'],
  ]);
  assert.equal(withResponse.cookie, false);
});

const harEntry = (method: string, url: string, headers: Array<[string, string]>, extra: Record<string, unknown> = {}) => ({
  request: { method, url, httpVersion: 'HTTP/1.1', headers: headers.map(([name, value]) => ({ name, value })) },
  timings: { wait: 20 },
  ...extra,
});

test('a HAR file: requests sorted into kinds, the lines the client writes itself dropped', () => {
  const har = {
    log: {
      version: '1.2',
      entries: [
        harEntry(
          'GET',
          'https://app.example.com/',
          [
            ['Host', 'app.example.com'],
            ['Accept', 'text/html'],
          ],
          { _resourceType: 'document' },
        ),
        harEntry('GET', 'https://app.example.com/app.js', [['Accept', '*/*']], { _resourceType: 'script' }),
        harEntry(
          'GET',
          'https://app.example.com/api/news?since=4',
          [
            ['Host', 'app.example.com'],
            ['Connection', 'keep-alive'],
            ['Accept', '*/*'],
            ['X-Poll', '1'],
          ],
          { _resourceType: 'fetch' },
        ),
        harEntry(
          'GET',
          'https://app.example.com/api/wait?since=4',
          [
            ['Accept', '*/*'],
            ['X-Held', '1'],
          ],
          { _resourceType: 'xhr', timings: { wait: 25_000 } },
        ),
        harEntry(
          'GET',
          'https://app.example.com/events',
          [
            ['Accept', 'text/event-stream'],
            ['Cache-Control', 'no-cache'],
          ],
          { _resourceType: 'eventsource' },
        ),
        harEntry(
          'GET',
          'wss://app.example.com/socket',
          [
            ['Host', 'app.example.com'],
            ['Connection', 'Upgrade'],
            ['Upgrade', 'websocket'],
            ['Sec-WebSocket-Version', '13'],
            ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
            ['Origin', 'https://app.example.com'],
            ['Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits'],
          ],
          { _resourceType: 'websocket' },
        ),
        harEntry(
          'POST',
          'https://app.example.com/api/send',
          [
            [':authority', 'app.example.com'],
            ['content-type', 'application/json'],
            ['content-length', '12'],
          ],
          { _resourceType: 'fetch' },
        ),
        harEntry(
          'GET',
          'https://app.example.com/api/news?since=5',
          [
            ['Accept', '*/*'],
            ['X-Second', '1'],
          ],
          { _resourceType: 'fetch' },
        ),
      ],
    },
  };
  const profile = load('session.har', JSON.stringify(har));
  assert.equal(profile.name, 'file:session.har');
  assert.deepEqual(
    profile.poll,
    [
      ['Accept', '*/*'],
      ['X-Poll', '1'],
    ],
    'the first fetch, without Host and Connection',
  );
  assert.deepEqual(
    profile.longPoll,
    [
      ['Accept', '*/*'],
      ['X-Held', '1'],
    ],
    'held for 25 s: a long poll',
  );
  assert.deepEqual(profile.eventSource, [
    ['Accept', 'text/event-stream'],
    ['Cache-Control', 'no-cache'],
  ]);
  assert.deepEqual(profile.upgrade, [
    ['Origin', 'https://app.example.com'],
    ['Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits'],
  ]);
  assert.deepEqual(profile.publish, [['content-type', 'application/json']], 'HTTP/2 pseudo-headers and content-length dropped');
  assert.equal(profile.cookie, false);
  assert.match(
    profile.source,
    /^the HAR file session\.har \(poll from GET https:\/\/app\.example\.com\/api\/news\?since=4; longPoll from GET/,
  );
  // A HAR saved as .json is read as HAR too (it has a "log" key).
  assert.deepEqual(load('session.json', JSON.stringify(har)).poll, profile.poll);
  // A long poll named by its path; a HAR with only a poll lends it to the long poll and the others.
  const onlyPoll = load(
    'p.har',
    JSON.stringify({ log: { entries: [harEntry('GET', 'http://h/poll', [['A', '1']], { _resourceType: 'fetch' })] } }),
  );
  assert.deepEqual(
    [onlyPoll.longPoll, onlyPoll.eventSource, onlyPoll.publish, onlyPoll.upgrade],
    [[['A', '1']], [['A', '1']], [['A', '1']], []],
  );
  const named = load('l.har', JSON.stringify({ log: { entries: [harEntry('GET', 'http://h/longpoll?since=1', [['B', '2']])] } }));
  assert.deepEqual(named.longPoll, [['B', '2']]);
});

test('a HAR file that is not HAR is refused, saying what a HAR file is', () => {
  refuses(
    'x.har',
    'GET / HTTP/1.1',
    'x.har is not a HAR file: it is not JSON (Unexpected token \'G\', "GET / HTTP/1.1" is not valid JSON)',
  );
  refuses('x.har', '{"entries": []}', 'x.har is not a HAR file: expected {"log": {"entries": [...]}}, received {"entries":[]}');
  refuses(
    'x.json',
    '{"log": {"pages": []}}',
    'x.json is not a HAR file: expected {"log": {"entries": [...]}}, received {"log":{"pages":[]}}',
  );
  refuses(
    'x.har',
    '{"log": {"entries": [{"response": {}}]}}',
    'x.har is not a HAR file: log.entries[0] has no request with a method, a url and headers',
  );
  refuses(
    'x.har',
    JSON.stringify({ log: { entries: [harEntry('GET', 'http://h/', [['Accept', 'text/html']], { _resourceType: 'document' })] } }),
    'x.har has no request a push client makes: expected a fetch or XHR GET, an EventSource, a WebSocket upgrade or a POST among its 1 entries',
  );
});

test('a header file that sets a line the client writes itself is refused, naming it and where', () => {
  const written =
    'the client writes Host, Connection, Content-Length, Upgrade, Transfer-Encoding, Sec-WebSocket-Key and Sec-WebSocket-Version itself: leave them out';
  refuses('h.json', '{"poll": [["Host", "example.com"]]}', `h.json sets "Host" in poll; ${written}`);
  refuses('h.json', '{"publish": [["content-length", "12"]]}', `h.json sets "content-length" in publish; ${written}`);
  refuses('h.json', '{"eventSource": [["Connection", "close"]]}', `h.json sets "Connection" in eventSource; ${written}`);
  refuses('h.json', '{"upgrade": [["Upgrade", "websocket"]]}', `h.json sets "Upgrade" in upgrade; ${written}`);
  refuses(
    'h.json',
    '{"poll": [], "response": [["Connection", "close"]]}',
    'h.json sets "Connection" in response; the server writes Connection, Transfer-Encoding, Upgrade and Keep-Alive itself: leave them out',
  );
});

test('a header name or value with a line break is refused, naming it', () => {
  refuses(
    'h.json',
    JSON.stringify({ poll: [['X-A\r\nX-B', '1']] }),
    'h.json has a header name with a line break in poll: "X-A\\r\\nX-B"; names and values must be one line each',
  );
  refuses(
    'h.json',
    JSON.stringify({ poll: [['X-Evil', 'a\r\nHost: other']] }),
    'h.json has a line break in the value of "X-Evil" in poll: "a\\r\\nHost: other"; names and values must be one line each',
  );
  refuses(
    'h.json',
    JSON.stringify({ longPoll: [['X-Evil', 'a\nb']] }),
    'h.json has a line break in the value of "X-Evil" in longPoll: "a\\nb"; names and values must be one line each',
  );
  const har = { log: { entries: [harEntry('GET', 'http://h/poll', [['X-Evil', 'a\nb']], { _resourceType: 'fetch' })] } };
  refuses(
    's.har',
    JSON.stringify(har),
    's.har has a line break in the value of "X-Evil" in log.entries[0] (poll): "a\\nb"; names and values must be one line each',
  );
});

test('other malformed header files', () => {
  refuses(
    'h.json',
    'not json',
    'h.json is not JSON (Unexpected token \'o\', "not json" is not valid JSON); expected a JSON object of header lists per request kind (poll, longPoll, eventSource, publish, upgrade, response) or a HAR file',
  );
  refuses(
    'h.json',
    '[1]',
    'h.json is [1]; expected a JSON object of header lists per request kind (poll, longPoll, eventSource, publish, upgrade, response) or a HAR file',
  );
  refuses('h.json', '{"pol": []}', 'h.json has an unknown key "pol"; allowed: poll, longPoll, eventSource, publish, upgrade, response');
  refuses('h.json', '{"poll": {"Accept": "*/*"}}', 'h.json has "poll" as {"Accept":"*/*"}; expected a list of [name, value] pairs');
  refuses('h.json', '{"poll": [["Accept"]]}', 'h.json has poll[0] = ["Accept"]; expected a [name, value] pair of strings');
  refuses(
    'h.json',
    '{"poll": [["Bad Name", "1"]]}',
    'h.json has an invalid header name in poll: "Bad Name"; allowed: letters, digits and !#$%&\'*+-.^_`|~',
  );
  refuses(
    'h.json',
    '{"response": []}',
    'h.json has no request kind; expected at least one of poll, longPoll, eventSource, publish, upgrade',
  );
  assert.throws(() => loadHeaderFile('/nonexistent/h.json'), {
    message: '/nonexistent/h.json cannot be read (ENOENT); expected a JSON header file or a HAR file',
  });
});
