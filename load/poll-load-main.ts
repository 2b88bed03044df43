/**
 * Entry point of a capacity load process: a PollLoad at a time driven over IPC (start, sample,
 * stop, then maybe start again; close). Exits when its parent goes away, so no load outlives the probe.
 */
import { PollLoad } from './poll-load.ts';
import type { LoadToProbe, ProbeToLoad } from './poll-load-protocol.ts';

let load: PollLoad | undefined;

function reply(message: LoadToProbe): void {
  process.send?.(message);
}

async function handle(message: ProbeToLoad): Promise<void> {
  switch (message.type) {
    case 'start':
      load = new PollLoad(message.spec);
      await load.connect();
      load.start(message.startAt ?? undefined);
      reply({ type: 'started' });
      break;
    case 'sample':
      if (load !== undefined) reply({ type: 'sample', id: message.id, sample: load.sample() });
      break;
    case 'stop':
      await load?.stop();
      load = undefined;
      reply({ type: 'stopped' });
      break;
    case 'close':
      await load?.stop();
      process.disconnect?.();
      break;
  }
}

if (process.send === undefined) throw new Error('load/poll-load-main.ts must be started with an IPC channel (child_process.fork)');
process.on('message', (message: ProbeToLoad) => {
  handle(message).catch((error: Error) => reply({ type: 'fatal', message: error.stack ?? error.message }));
});
process.on('disconnect', () => {
  void (load?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
});
