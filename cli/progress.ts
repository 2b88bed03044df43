/**
 * The two listeners of a session's progress events (run/progress.ts), both on stderr so that
 * stdout stays clean: a live bar and line on a terminal, plain timestamped lines in CI logs.
 * They format the same events the same way; only how a line reaches the screen differs.
 */
import type { ProgressEvent, ProgressListener } from '../run/progress.ts';

/** Width of the bar in characters. */
const BAR_WIDTH = 20;

/** `████░░░░ `: how many technique runs of the session are done. */
export function progressBar(done: number, total: number, width = BAR_WIDTH): string {
  const filled = total <= 0 ? 0 : Math.min(width, Math.round((done / total) * width));
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)} `;
}

/**
 * The words of an event: `(3/8) [broadcast] websocket: warming up 100 ms, measuring 300 ms`
 * (the count is of the technique run in progress), or `capacity: 9000 req/s` after the scenarios.
 */
export function progressText(event: ProgressEvent): string {
  if (event.scenario === null || event.technique === null) return `${event.phase}: ${event.detail}`;
  const current = event.phase === 'finished' ? event.done : event.done + 1;
  return `(${current}/${event.total}) [${event.scenario}] ${event.floor === true ? 'floor (bare ws)' : event.technique}: ${event.detail}`;
}

/** `[  1.2 s]`: seconds since the session started. */
function stamp(startedMs: number, nowMs: number): string {
  return `[${((nowMs - startedMs) / 1000).toFixed(1).padStart(5)} s]`;
}

/** A progress listener and what to call once the session is over. */
export interface ProgressPrinter {
  readonly listener: ProgressListener;
  readonly done: () => void;
}

/** Where a printer writes, and its clock; replaceable in tests. */
export interface ProgressSink {
  write: (text: string) => void;
  /** Terminal width in columns. */
  columns: number;
  now: () => number;
}

const stderrSink = (): ProgressSink => ({
  write: (text) => void process.stderr.write(text),
  columns: process.stderr.columns ?? 120,
  now: () => Date.now(),
});

/** Plain lines, one per event, for logs (CI, a pipe, a file). */
export function plainProgress(sink: ProgressSink = stderrSink()): ProgressPrinter {
  const started = sink.now();
  return {
    listener: (event) => sink.write(`${stamp(started, sink.now())} ${progressText(event)}\n`),
    done: () => {},
  };
}

/** One live line on a terminal, redrawn per event: the bar, the elapsed time and the event's words, cut to the width. */
export function barProgress(sink: ProgressSink = stderrSink()): ProgressPrinter {
  const started = sink.now();
  let live = false;
  return {
    listener: (event) => {
      const bar = progressBar(event.done, event.total);
      const head = `${bar}${stamp(started, sink.now())} `;
      sink.write(`\r\x1b[K${head}${progressText(event).slice(0, Math.max(0, sink.columns - head.length - 1))}`);
      live = true;
    },
    done: () => {
      if (live) sink.write('\n');
    },
  };
}

/** The bar on a terminal, plain lines otherwise. */
export function stderrProgress(): ProgressPrinter {
  return process.stderr.isTTY === true ? barProgress() : plainProgress();
}
