/**
 * Entry point of the publisher child process: one TargetPublisher driven by the runner over IPC,
 * in a process of its own so that its timers share no event loop with the runner or the clients.
 * It exits when the runner goes away.
 */
import { TargetPublisher } from './publisher.ts';
import type { PublisherToRunner, RunnerToPublisher } from './publisher-protocol.ts';

let publisher: TargetPublisher | undefined;

function reply(message: PublisherToRunner): Promise<void> {
  return new Promise((resolve) => process.send?.(message, undefined, undefined, () => resolve()) ?? resolve());
}

async function handle(message: RunnerToPublisher): Promise<void> {
  switch (message.type) {
    case 'start':
      publisher = new TargetPublisher(message.spec, (refusal) => void reply({ type: 'refused', message: refusal }));
      await publisher.connect();
      await reply({ type: 'ready' });
      break;
    case 'schedule':
      publisher?.start(message.schedule);
      break;
    case 'ports':
      await reply({ type: 'ports', localPorts: publisher?.localPorts() ?? [] });
      break;
    case 'collect':
      if (publisher !== undefined) await reply({ type: 'result', result: await publisher.collect() });
      break;
    case 'close':
      await publisher?.close();
      await reply({ type: 'closed' });
      process.disconnect?.();
      break;
  }
}

if (process.send === undefined) throw new Error('load/publisher-main.ts must be started with an IPC channel (child_process.fork)');
process.on('message', (message: RunnerToPublisher) => {
  handle(message).catch((error: Error) => void reply({ type: 'fatal', message: error.message }));
});
process.on('disconnect', () => {
  void (publisher?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
