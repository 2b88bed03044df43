/**
 * Entry point of a load-generator child process. Runs one Generator driven by the
 * runner over IPC, and exits when the runner goes away.
 */
import { Generator } from './generator.ts';
import type { GeneratorToRunner, RunnerToGenerator } from './generator-protocol.ts';

let generator: Generator | undefined;

function reply(message: GeneratorToRunner): Promise<void> {
  return new Promise((resolve) => process.send?.(message, undefined, undefined, () => resolve()) ?? resolve());
}

async function handle(message: RunnerToGenerator): Promise<void> {
  switch (message.type) {
    case 'start':
      generator = new Generator(message.spec, (refusal) => void reply({ type: 'refused', message: refusal }));
      await reply({ type: 'connected', ...(await generator.connect()) });
      break;
    case 'window':
      generator?.setWindow({ startT: message.startT, endT: message.endT }, message.beginAt, message.publishUntil);
      break;
    case 'collect':
      if (generator !== undefined) await reply({ type: 'result', result: await generator.collect() });
      break;
    case 'close': {
      const totals = generator === undefined ? { up: 0, down: 0 } : await generator.close();
      await reply({ type: 'closed', totals });
      process.disconnect?.();
      break;
    }
  }
}

if (process.send === undefined) throw new Error('load/generator-main.ts must be started with an IPC channel (child_process.fork)');
process.on('message', (message: RunnerToGenerator) => {
  handle(message).catch((error: Error) => void reply({ type: 'fatal', message: error.stack ?? error.message }));
});
// The runner is gone: drop every connection and leave.
process.on('disconnect', () => {
  void (generator?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
