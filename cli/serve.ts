/**
 * `pushbench serve`: every technique's server (or some) on one port, publishing the feed, for
 * curl, a browser or any load tool. The first stdout line is one JSON object with the
 * base URL; SIGINT/SIGTERM stop it and print its stats as one JSON line.
 */
import { parseServeArgs, SERVE_HELP } from './options.ts';
import { PATHS } from '../core/protocol.ts';
import { techniqueUrl } from '../core/techniques.ts';
import { startServer } from '../servers/server.ts';
import { profileOrigins } from '../load/headers.ts';
import { EXIT } from './exit-codes.ts';
import { demoMapAnswer } from '../run/demo-map.ts';

export async function runServeCommand(argv: string[]): Promise<number> {
  const config = parseServeArgs(argv);
  if (config.help) {
    process.stdout.write(`${SERVE_HELP}\n`);
    return EXIT.ok;
  }
  let server;
  try {
    server = await startServer({
      techniques: config.techniques,
      host: config.host,
      port: config.port,
      rate: config.rate,
      payloadBytes: config.payloadBytes,
      holdMs: config.holdMs,
      ringSize: config.ringSize,
      rooms: config.rooms,
      ringBytes: config.ringBytes,
      maxMessageBytes: config.maxMessageBytes,
      wire: config.wires[0]!,
      tlsFiles: config.tlsCert === null || config.tlsKey === null ? null : { cert: config.tlsCert, key: config.tlsKey },
      // `pushbench run --target` with browser headers sends the profile's (fictional) page origin.
      allowedOrigins: profileOrigins(),
      // The demo's "where am I on the map" view: the model for the server's settings and the page's.
      demoMap: (get) =>
        demoMapAnswer(
          {
            techniques: config.techniques,
            rate: config.rate,
            payloadBytes: config.payloadBytes,
            holdMs: config.holdMs,
            wire: config.wires[0]!,
          },
          get,
        ),
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const hint =
      e.code === 'EADDRINUSE'
        ? 'the port is in use: pick another --port, or 0 for a free one'
        : e.code === 'EADDRNOTAVAIL'
          ? 'no such address on this machine: check --host'
          : e.code === 'EACCES'
            ? 'not allowed to bind there: use a port above 1023'
            : '';
    process.stderr.write(`pushbench serve: cannot listen on ${config.host}:${config.port}: ${e.message}${hint ? `; ${hint}` : ''}\n`);
    return EXIT.failed;
  }
  // Each endpoint with the scheme its transport needs (ws:// for an upgrade), from the technique's row.
  const endpoints = Object.fromEntries(server.techniques.map((id) => [id, techniqueUrl(id, server.url)]));
  process.stdout.write(
    `${JSON.stringify({ url: server.url, wire: server.wire, techniques: server.techniques, endpoints, publish: `${server.url}${PATHS.publish}`, demo: `${server.url}${PATHS.demo}`, rate: config.rate, payloadBytes: config.payloadBytes, pid: process.pid })}\n`,
  );
  process.stderr.write(
    `pushbench serve: listening on ${server.url} (${server.techniques.join(', ')}); open ${server.url}${PATHS.demo} in a browser to watch them side by side; Ctrl-C to stop\n`,
  );

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const stats = server.stats();
  await server.close();
  process.stdout.write(`${JSON.stringify({ stopped: signal, stats })}\n`);
  return EXIT.ok;
}
