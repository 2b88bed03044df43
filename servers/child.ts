/**
 * Entry point of a server child process: `node --import tsx servers/child.ts '<ServerOptions JSON>'`.
 * Answers the runner's IPC requests (core/ipc.ts: stats, publish, window, close), each
 * with a reply of the same id, and exits when the runner goes away (also when it was
 * killed with SIGKILL and could not ask), so no server ever outlives its runner.
 */
import type { Server } from 'node:net';
import type { RunnerToServer, ServerToRunner } from '../core/ipc.ts';
import { startFloorServer } from './floor.ts';
import { startServer, type PushServer, type ServerOptions } from './server.ts';

/** After the runner is gone, the longest a clean close may take before the process just exits. */
const ORPHAN_EXIT_MS = 2000;

function reply(message: ServerToRunner): void {
  if (process.connected) process.send?.(message);
}

let server: PushServer | undefined;
let closing = false;

async function shutdown(): Promise<void> {
  if (closing) return;
  closing = true;
  await server?.close();
  process.disconnect?.();
}

// Installed before anything slow: a runner that dies while this process starts must not leave it listening.
process.on('disconnect', () => {
  // process.exit() keeps an exit code set earlier (a failed start).
  setTimeout(() => process.exit(), ORPHAN_EXIT_MS).unref();
  void shutdown().finally(() => process.exit());
});

/** The listening socket the runner sends with a `listen-handle` message. */
function listenHandle(): Promise<Server> {
  return new Promise((resolve) => {
    const onMessage = (message: RunnerToServer, handle: unknown): void => {
      if (message.type !== 'listen-handle' || handle === undefined) return;
      process.off('message', onMessage);
      resolve(handle as Server);
    };
    process.on('message', onMessage);
  });
}

async function main(): Promise<void> {
  if (process.send === undefined) throw new Error('servers/child.ts must be started with an IPC channel (child_process.fork)');
  const { floor, sharedListen, ...options } = JSON.parse(process.argv[2] ?? '{}') as Partial<ServerOptions> & {
    floor?: boolean;
    sharedListen?: boolean;
  };
  // `sharedListen`: one of several server processes on one port; the runner opened the listening
  // socket and passes it over IPC (Node 20 has no SO_REUSEPORT; see docs/scale.md).
  const handle = sharedListen === true ? await listenHandle() : undefined;
  // `floor`: the bare ws broadcast the runner measures as the machine's floor (servers/floor.ts).
  const started = floor === true ? await startFloorServer(options) : await startServer(options, handle);
  server = started;
  if (!process.connected) {
    // The runner went away while the server was starting.
    await shutdown();
    process.exit();
  }
  process.on('message', (message: RunnerToServer) => {
    switch (message.type) {
      case 'stats':
        reply({ type: 'stats', id: message.id, stats: started.stats(), windowCount: started.windowCounts() });
        break;
      case 'publish':
        started.startPublishing(message.rate, message.startAt);
        reply({ type: 'ack', id: message.id });
        break;
      case 'stop-publish':
        started.stopPublishing();
        reply({ type: 'ack', id: message.id });
        break;
      case 'window':
        started.setWindow(message.startT, message.endT);
        reply({ type: 'ack', id: message.id });
        break;
      case 'close':
        void shutdown();
        break;
      case 'listen-handle':
        break;
    }
  });
  reply({ type: 'ready', url: started.url, techniques: [...started.techniques], pid: process.pid });
}

main().catch((error: NodeJS.ErrnoException) => {
  reply({ type: 'error', message: error.message, code: error.code });
  process.exitCode = 1;
  process.disconnect?.();
});
