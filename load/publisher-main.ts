/**
 * Entry point of the publisher child process: one TargetPublisher driven by the runner over IPC
 * (core/ipc.ts), answering each request with a reply of the same id, in a process of its own so
 * that its timers share no event loop with the runner or the clients. It exits when the runner
 * goes away.
 */
import type { PublisherToRunner, RunnerToPublisher } from '../core/ipc.ts';
import { TargetPublisher } from './publisher.ts';

/** After the runner is gone, the longest closing may take before the process just exits. */
const ORPHAN_EXIT_MS = 2000;

let publisher: TargetPublisher | undefined;

function reply(message: PublisherToRunner): Promise<void> {
  if (!process.connected) return Promise.resolve();
  return new Promise((resolve) => process.send?.(message, undefined, undefined, () => resolve()) ?? resolve());
}

function started(): TargetPublisher {
  if (publisher === undefined) throw new Error('a request before start');
  return publisher;
}

async function handle(message: RunnerToPublisher): Promise<void> {
  switch (message.type) {
    case 'start':
      publisher = new TargetPublisher(message.spec, (refusal) => void reply({ type: 'refused', message: refusal }));
      await publisher.connect();
      await reply({ type: 'ready', id: message.id });
      break;
    case 'schedule':
      started().start(message.schedule);
      await reply({ type: 'ack', id: message.id });
      break;
    case 'ports':
      await reply({ type: 'ports', id: message.id, localEndpoints: started().localEndpoints() });
      break;
    case 'collect':
      await reply({ type: 'result', id: message.id, result: await started().collect() });
      break;
    case 'close':
      await publisher?.close();
      await reply({ type: 'closed', id: message.id });
      process.disconnect?.();
      break;
  }
}

if (process.send === undefined) throw new Error('load/publisher-main.ts must be started with an IPC channel (child_process.fork)');
process.on('message', (message: RunnerToPublisher) => {
  handle(message).catch((error: Error) => void reply({ type: 'fatal', message: error.message }));
});
// The runner is gone: drop every connection and leave, within a bound even if a close hangs.
process.on('disconnect', () => {
  setTimeout(() => process.exit(0), ORPHAN_EXIT_MS).unref();
  void (publisher?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
