/**
 * Entry point of a server child process: `node --import tsx servers/child.ts '<ServerOptions JSON>'`.
 * Answers the parent's IPC requests (stats, publish, window, close) and exits when the
 * parent goes away, so no server ever outlives its runner.
 */
import type { ParentToServer, ServerToParent } from '../core/protocol.ts';
import { startFloorServer } from './floor.ts';
import { startServer, type ServerOptions } from './server.ts';

function reply(message: ServerToParent): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  if (process.send === undefined) throw new Error('servers/child.ts must be started with an IPC channel (child_process.fork)');
  const { floor, ...options } = JSON.parse(process.argv[2] ?? '{}') as Partial<ServerOptions> & { floor?: boolean };
  // `floor`: the bare ws broadcast the runner measures as the machine's floor (servers/floor.ts).
  const server = floor === true ? await startFloorServer(options) : await startServer(options);
  let closing = false;
  const shutdown = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    await server.close();
    process.disconnect?.();
  };
  process.on('disconnect', () => void shutdown().then(() => process.exit(0)));
  process.on('message', (message: ParentToServer) => {
    switch (message.type) {
      case 'stats':
        reply({ type: 'stats', id: message.id, stats: server.stats(), windowCount: server.windowCounts() });
        break;
      case 'publish':
        server.startPublishing(message.rate, message.startAt);
        break;
      case 'stop-publish':
        server.stopPublishing();
        break;
      case 'window':
        server.setWindow(message.startT, message.endT);
        break;
      case 'close':
        void shutdown();
        break;
    }
  });
  reply({ type: 'ready', url: server.url, techniques: [...server.techniques], pid: process.pid });
}

main().catch((error: NodeJS.ErrnoException) => {
  reply({ type: 'error', message: error.message, code: error.code });
  process.exitCode = 1;
  process.disconnect?.();
});
