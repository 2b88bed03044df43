/**
 * Entry point of a load-generator child process. Runs one Generator driven by the
 * runner over IPC (core/ipc.ts), answering each request with a reply of the same id,
 * and exits when the runner goes away (also when it was killed with SIGKILL).
 */
import type { GeneratorToRunner, RunnerToGenerator } from '../core/ipc.ts';
import { Generator } from './generator.ts';

/** After the runner is gone, the longest closing the clients may take before the process just exits. */
const ORPHAN_EXIT_MS = 2000;

let generator: Generator | undefined;

function reply(message: GeneratorToRunner): Promise<void> {
  if (!process.connected) return Promise.resolve();
  return new Promise((resolve) => process.send?.(message, undefined, undefined, () => resolve()) ?? resolve());
}

async function handle(message: RunnerToGenerator): Promise<void> {
  switch (message.type) {
    case 'start':
      generator = new Generator(message.spec, (refusal) => void reply({ type: 'refused', message: refusal }));
      await reply({ type: 'connected', id: message.id, ...(await generator.connect()) });
      break;
    case 'window':
      generator?.setWindow({ startT: message.startT, endT: message.endT }, message.beginAt, message.publishUntil);
      await reply({ type: 'ack', id: message.id });
      break;
    case 'collect':
      if (generator === undefined) throw new Error('collect before start');
      await reply({ type: 'result', id: message.id, result: await generator.collect() });
      break;
    case 'bytes':
      await reply({ type: 'bytes', id: message.id, bytes: generator?.bytes(message.parts === true) ?? { up: 0, down: 0 } });
      break;
    case 'close': {
      const totals = generator === undefined ? { up: 0, down: 0 } : await generator.close();
      await reply({ type: 'closed', id: message.id, totals });
      process.disconnect?.();
      break;
    }
  }
}

if (process.send === undefined) throw new Error('load/generator-main.ts must be started with an IPC channel (child_process.fork)');
process.on('message', (message: RunnerToGenerator) => {
  handle(message).catch((error: Error) => void reply({ type: 'fatal', message: error.stack ?? error.message }));
});
// The runner is gone: drop every connection and leave, within a bound even if a close hangs.
process.on('disconnect', () => {
  setTimeout(() => process.exit(0), ORPHAN_EXIT_MS).unref();
  void (generator?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
