/** The terminal bar and the plain CI lines: two listeners of the same events, formatting them the same way. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { barProgress, plainProgress, progressBar, progressText, type ProgressSink } from '../../cli/progress.ts';
import { TECHNIQUES } from '../../core/protocol.ts';
import type { ProgressEvent } from '../../run/progress.ts';

const technique = TECHNIQUES[0]!;
const EVENTS: ProgressEvent[] = [
  { scenario: 'sweep-10', technique, phase: 'starting', done: 0, total: 4, detail: 'starting' },
  { scenario: 'sweep-10', technique, phase: 'measuring', done: 0, total: 4, detail: 'warming up 100 ms, measuring 300 ms' },
  { scenario: 'sweep-10', technique, phase: 'finished', done: 1, total: 4, detail: 'completed', state: 'completed' },
  { scenario: null, technique: null, phase: 'capacity', done: 4, total: 4, detail: 'autocannon drives /poll flat out' },
];

function sink(columns = 200): ProgressSink & { text: () => string } {
  let written = '';
  let clock = 1000;
  return { write: (t) => void (written += t), columns, now: () => (clock += 500), text: () => written };
}

test('progressText: the run in progress counted from 1, the finished run as done; session phases without counts', () => {
  assert.deepEqual(EVENTS.map(progressText), [
    `(1/4) [sweep-10] ${technique}: starting`,
    `(1/4) [sweep-10] ${technique}: warming up 100 ms, measuring 300 ms`,
    `(1/4) [sweep-10] ${technique}: completed`,
    'capacity: autocannon drives /poll flat out',
  ]);
});

test('progressBar fills with the share of technique runs done', () => {
  assert.equal(progressBar(0, 4, 8), '░░░░░░░░ ');
  assert.equal(progressBar(1, 4, 8), '██░░░░░░ ');
  assert.equal(progressBar(4, 4, 8), '████████ ');
  assert.equal(progressBar(0, 0, 8), '░░░░░░░░ ');
});

test('the plain listener writes one timestamped line per event', () => {
  const out = sink();
  const printer = plainProgress(out);
  for (const event of EVENTS) printer.listener(event);
  printer.done();
  assert.deepEqual(out.text().split('\n'), [
    `[  0.5 s] (1/4) [sweep-10] ${technique}: starting`,
    `[  1.0 s] (1/4) [sweep-10] ${technique}: warming up 100 ms, measuring 300 ms`,
    `[  1.5 s] (1/4) [sweep-10] ${technique}: completed`,
    '[  2.0 s] capacity: autocannon drives /poll flat out',
    '',
  ]);
});

test('the bar listener redraws one line with the bar from the same events, cut to the terminal width', () => {
  const out = sink();
  const printer = barProgress(out);
  for (const event of EVENTS.slice(1, 3)) printer.listener(event);
  printer.done();
  const bar0 = '░'.repeat(20);
  const bar1 = `${'█'.repeat(5)}${'░'.repeat(15)}`;
  assert.equal(
    out.text(),
    `\r\x1b[K${bar0} [  0.5 s] (1/4) [sweep-10] ${technique}: warming up 100 ms, measuring 300 ms` +
      `\r\x1b[K${bar1} [  1.0 s] (1/4) [sweep-10] ${technique}: completed\n`,
  );
  const narrow = sink(40);
  const cut = barProgress(narrow);
  cut.listener(EVENTS[1]!);
  assert.equal(narrow.text(), `\r\x1b[K${bar0} [  0.5 s] ${'(1/4) [sweep-10]'.slice(0, 40 - 31 - 1)}`);
});
