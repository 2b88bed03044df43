/**
 * The capacity probe on each wire of a run (issue 16): `capacity` holds the first wire's probe,
 * `capacityOtherWires` the others; all three reports render each one with its wire named, and a
 * file written before (no wire, no header profile, no list) still validates and reads as http
 * with the browser headers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResultsFile } from '../../core/results.ts';
import { resultsProblems } from '../../core/results-validate.ts';
import { renderAll } from '../../reports/index.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { renderSummary } from '../../reports/terminal.ts';
import { loadFixture, sectionById } from './helpers.ts';

/** The fixture's probe on http (chosen at warm-up) and a second one on h2 with 2 load processes. */
function twoWires(): ResultsFile {
  const results = loadFixture();
  const http = {
    ...results.capacity!,
    wire: 'http' as const,
    headers: 'browser',
    loadProcesses: 1,
    loadProcessSearch: [{ loadProcesses: 1, serverEventLoopUtilization: 0.987, maxLoadEventLoopUtilization: 0.45 }],
  };
  for (const round of http.rounds!) round.loadEventLoopUtilization = [0.45];
  const h2 = {
    ...structuredClone(http),
    url: 'https://127.0.0.1:41232',
    wire: 'h2' as const,
    requestsPerSecond: 12_345,
    loadProcesses: 2,
    loadProcessSearch: [
      { loadProcesses: 1, serverEventLoopUtilization: 0.8, maxLoadEventLoopUtilization: 0.75 },
      { loadProcesses: 2, serverEventLoopUtilization: 0.99, maxLoadEventLoopUtilization: 0.4 },
    ],
  };
  return { ...results, capacity: http, capacityOtherWires: [h2] };
}

test('the schema: a probe per wire validates, and so does the older form without wire, headers or list', () => {
  assert.deepEqual(resultsProblems(twoWires()), []);
  const old = loadFixture();
  assert.equal(old.capacity?.wire, undefined, 'the fixture is the older form');
  assert.equal(old.capacityOtherWires, undefined);
  assert.deepEqual(resultsProblems(old), []);
  const bad = structuredClone(twoWires()) as unknown as { capacityOtherWires: Array<{ wire: string }> };
  bad.capacityOtherWires[0]!.wire = 'h3';
  assert.ok(
    resultsProblems(bad).some((p) => p.includes('capacityOtherWires[0].wire')),
    resultsProblems(bad).join('\n'),
  );
});

test('terminal: one capacity block per wire, named, with how the load process count was chosen', () => {
  const text = renderSummary(twoWires()).replace(/\n\s+/g, ' ');
  assert.ok(
    text.includes(
      'Capacity on http (HTTP/1.1), browser headers (1 load process (chosen at warm-up, busiest load process: 0.45 with 1), 100 connections,',
    ),
    text,
  );
  assert.ok(
    text.includes(
      'Capacity on h2 (HTTP/2 + TLS), browser headers (2 load processes (chosen at warm-up, busiest load process: 0.75 with 1, 0.40 with 2), 100 connections,',
    ),
    text,
  );
  assert.ok(text.indexOf('Capacity on http') < text.indexOf('Capacity on h2'), "in the run's order");
  assert.match(text, /Capacity on h2 .*the server answered 12,345 polls\/s/);
  // The older file: http and the browser headers.
  assert.match(renderSummary(loadFixture()), /Capacity on http \(HTTP\/1\.1\), browser headers \(3 load processes, 100 connections/);
});

test('summary.md: a "Polling capacity on <wire>" section per wire', () => {
  const md = renderMarkdown(twoWires(), { charts: [] });
  assert.match(md, /## Polling capacity on http \(HTTP\/1\.1\)\n\n<pre><code>Capacity on http/);
  assert.match(md, /## Polling capacity on h2 \(HTTP\/2 \+ TLS\)\n\n<pre><code>Capacity on h2 \(HTTP\/2 \+ TLS\)/);
});

test('report.html: a section per wire (the first keeps the id "capacity"), each in the contents', async () => {
  const [file] = await renderAll(twoWires(), ['html']);
  const html = String(file?.content);
  const http = sectionById(html, 'capacity');
  assert.match(http, /<h2>Polling capacity on http \(HTTP\/1\.1\)<\/h2>/);
  assert.match(http, /1 load process \(chosen at warm-up, busiest load process: 0\.45 with 1\) with 100 keep-alive connections/);
  assert.match(http, /over http \(HTTP\/1\.1\), with the <code>browser<\/code> headers/);
  const h2 = sectionById(html, 'capacity-h2');
  assert.match(h2, /<h2>Polling capacity on h2 \(HTTP\/2 \+ TLS\)<\/h2>/);
  assert.match(h2, /a median of <strong>12,345 polls\/s<\/strong>/);
  assert.match(html, /<li><a href="#capacity">Polling capacity on http \(HTTP\/1\.1\)<\/a><\/li>/);
  assert.match(html, /<li><a href="#capacity-h2">Polling capacity on h2 \(HTTP\/2 \+ TLS\)<\/a><\/li>/);
});
