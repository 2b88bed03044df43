/**
 * HPACK sizes of a header set, from the encoder the clients use: Node has no public HPACK
 * encoder API, so the requests are sent through Node's own HTTP/2 client (nghttp2's deflater,
 * its dynamic table and Huffman choice) to an in-memory HTTP/2 server, no socket involved, and
 * the HEADERS blocks are counted by the same tap that counts them in a run (core/wire-parts.ts).
 * The model (run/wire-model.ts) takes the steady-state size from here, so it is the encoder's
 * output for the profile, not a figure read back from the run it is compared with.
 */
import http2 from 'node:http2';
import { Duplex, PassThrough } from 'node:stream';
import type { OutgoingHttpHeaders } from 'node:http2';
import { ConnectionParts, h2Tap } from '../core/wire-parts.ts';
import { H2_CLIENT_SETTINGS, H2_SERVER_SETTINGS, WIRE_META, type WireId } from '../core/wires.ts';
import type { CompletedResult, ScenarioParams } from '../core/results.ts';
import type { TechniqueId } from '../core/techniques.ts';
import { h2Headers } from '../load/h2-tab.ts';
import { headerProfile } from '../load/headers.ts';
import { RUN_TECHNIQUES } from './techniques/index.ts';
import { typicalSeq } from './wire-sizes.ts';
import type { H2Blocks } from './wire-model.ts';

/** The HPACK block of each request, in order, when `requests` are sent one after another on one HTTP/2 connection. */
export async function requestBlockBytes(authority: string, requests: readonly OutgoingHttpHeaders[]): Promise<number[]> {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const clientEnd = Duplex.from({ readable: toClient, writable: toServer });
  const serverEnd = Duplex.from({ readable: toServer, writable: toClient });
  const server = http2.createServer({ settings: { ...H2_SERVER_SETTINGS } });
  server.on('stream', (stream) => {
    stream.respond({ ':status': 204 }, { endStream: true });
  });
  server.emit('connection', serverEnd);
  const parts = new ConnectionParts();
  const session = http2.connect(authority, {
    createConnection: () => h2Tap(clientEnd, parts) as never,
    settings: { ...H2_CLIENT_SETTINGS },
  });
  session.on('error', () => {});
  const blocks: number[] = [];
  try {
    for (const headers of requests) {
      const before = parts.snapshot().up.h2HeaderBlockBytes;
      const stream = session.request({ ':method': 'GET', ...headers }, { endStream: true });
      await new Promise<void>((resolve, reject) => {
        stream.once('close', () => resolve());
        stream.once('error', reject);
        stream.resume();
      });
      blocks.push(parts.snapshot().up.h2HeaderBlockBytes - before);
    }
  } finally {
    session.destroy();
    serverEnd.destroy();
    server.close();
  }
  return blocks;
}

/**
 * The HPACK blocks the model of `technique` on HTTP/2 wire `wire` takes: a request-per-answer
 * technique's repeated request encoded (first and steady state), and the response's block as
 * the clients counted it in the window (`result.wireParts`, per request); null on HTTP/1.1, and
 * for a technique that repeats no request (its blocks are setup).
 */
export async function h2BlocksFor(
  technique: TechniqueId,
  wire: WireId,
  params: ScenarioParams,
  host: string,
  result: CompletedResult,
): Promise<H2Blocks | null> {
  const repeated = RUN_TECHNIQUES[technique].repeatedRequest;
  if (WIRE_META[wire].httpVersion !== '2' || repeated === undefined) return null;
  const request = repeated(params, headerProfile(params.headers), typicalSeq(params));
  const headers = { ':path': request.path, ...h2Headers(request.headers) };
  const [first = 0, , steady = 0] = await requestBlockBytes(`${WIRE_META[wire].scheme}://${host}`, [headers, headers, headers]);
  const responses = result.requests?.total ?? 0;
  const counted = result.wireParts?.window.h2HeaderBlockBytesDown ?? 0;
  return {
    firstRequestBlockBytes: first,
    requestBlockBytes: steady,
    responseBlockBytes: responses > 0 ? counted / responses : 0,
    responseBlockSource:
      responses > 0
        ? `the mean of the ${responses} response blocks the clients counted in the window: its \`date\` changes every second and evicts table entries`
        : 'no response counted in the window',
  };
}
