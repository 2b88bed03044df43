/**
 * A publish target that answers the first request only once the second has arrived (and been
 * answered), and every later one at once: two publishes under way together, the one case in
 * which pushbench's publisher records an overlap (PublisherResult.overlaps).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HoldingTarget {
  origin: string;
  /** Requests read whole so far. */
  requests(): number;
  close(): Promise<void>;
}

/** Starts one on 127.0.0.1; `status` is what every publish is answered with. */
export async function holdingTarget(status: number): Promise<HoldingTarget> {
  let held: http.ServerResponse | undefined;
  let requests = 0;
  const server = http.createServer((request, response) => {
    request.resume();
    request.once('end', () => {
      requests++;
      if (requests === 1) {
        held = response;
        return;
      }
      response.writeHead(status).end();
      held?.writeHead(status).end();
      held = undefined;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
