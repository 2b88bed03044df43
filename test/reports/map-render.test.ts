/**
 * The decision map's renderings from one results file: the terminal text (120 columns, a table
 * per criterion, the claims), summary.md, report.html's SVG cells with their numbers, and the
 * PNG heatmaps read back pixel by pixel (the winner's colour where its cell is, the measured
 * cell's black frame).
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { loadImage } from '@napi-rs/canvas';
import type { ResultsFile } from '../../core/results.ts';
import { TECHNIQUE_META } from '../../core/techniques.ts';
import { parseResults } from '../../core/results-validate.ts';
import { renderMapMarkdown, renderMapText, winnerAt } from '../../reports/map.ts';
import { cellBox, renderMapPng, renderMapPngs } from '../../reports/map-png.ts';
import { mapSection } from '../../reports/map-html.ts';
import { loadFixtureWithMap } from './helpers.ts';

let results: ResultsFile;
before(async () => {
  results = await loadFixtureWithMap();
});

describe('decision map renderings', () => {
  test('results with a map pass the results.json validator', () => {
    const again = parseResults(JSON.stringify(results), 'with-map.json');
    assert.equal(again.map?.cells.length, 3 * 2 * 2 * 4);
    assert.equal(again.map?.measuredCells, 2);
  });

  test('terminal: a winner table per criterion, the measured cells, the claims; nothing wider than 120 columns', () => {
    const text = renderMapText(results.map!);
    assert.equal((text.match(/^Winner by /gm) ?? []).length, 6);
    assert.match(text, /^What the classic argument gets right and wrong:$/m);
    assert.match(text, /"Polling wastes bandwidth on headers\." — TRUE\./);
    const widest = Math.max(...text.split('\n').map((line) => [...line].length));
    assert.ok(widest <= 120, `widest line ${widest}`);
    // The measured point is starred in its winner cell.
    assert.match(text.split('\n').find((l) => l.startsWith('10 ') && l.includes('250 ms'))!, /\*/);
  });

  test('summary.md: the map section with its tables escaped', () => {
    const md = renderMapMarkdown(results.map!);
    assert.match(md, /^## Decision map$/m);
    assert.match(md, /^\| clients \| interval \| 0\.1\/s \| 1\/s \| 10\/s \|$/m);
    assert.doesNotMatch(md, /\d\*(?!\\)/, 'a measured mark is escaped, not emphasis');
  });

  test('report.html: one SVG cell per criterion and grid point, each with its numbers and n', () => {
    const section = mapSection(results.map).html;
    assert.equal((section.match(/class="map-cell"/g) ?? []).length, 6 * 3 * 2 * 2);
    const measured =
      /<g class="map-cell"[^>]*data-criterion="bytes" data-clients="10" data-rate="10" data-interval-ms="250"[^>]*data-measured="true"[^>]*data-detail="([^"]*)"/.exec(
        section,
      );
    assert.ok(measured, 'the measured point is marked');
    assert.match(measured[1]!, /measured \(n = \d+ from \d+ messages, run 1x faster\), model/);
  });

  test("PNG: one heatmap per criterion; the winner's colour fills its cell and the measured cell is framed in black", async () => {
    const files = renderMapPngs(results.map!);
    assert.deepEqual(
      files.map((f) => f.file),
      ['bytes', 'bandwidth', 'p50', 'p99', 'cpu', 'memory'].map((c) => `charts/decision-map-${c}.png`),
    );
    const image = await loadImage(renderMapPng(results.map!, 'bytes'));
    const { createCanvas } = await import('@napi-rs/canvas');
    const canvas = createCanvas(image.width, image.height);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(image, 0, 0);
    const map = results.map!;
    // 10 msg/s (column 2), 250 ms polls (row 0), 10 clients (panel 0): measured.
    const box = cellBox(map, 0, 2, 0);
    const frame = ctx.getImageData(Math.round(box.x + box.width / 2), Math.round(box.y + 2), 1, 1).data;
    assert.deepEqual([...frame.slice(0, 3)], [0, 0, 0], 'black frame on the measured cell');
    // An unmeasured cell: its fill is the winner's colour blended with white, near the right edge (clear of text).
    const winner = winnerAt(map, 'bytes', 0.1, 1000, 100)!;
    const other = cellBox(map, 1, 0, 1);
    const fill = ctx.getImageData(Math.round(other.x + other.width - 5), Math.round(other.y + other.height / 2), 1, 1).data;
    const hex = TECHNIQUE_META[winner.technique!].color;
    const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    // Paler than the colour itself, never whiter than white: each channel between the colour and 255.
    rgb.forEach((channel, i) => {
      assert.ok(fill[i]! >= channel - 1 && fill[i]! <= 255, `channel ${i}: ${fill[i]} vs ${channel}`);
    });
    assert.notDeepEqual([...fill.slice(0, 3)], [255, 255, 255], 'filled, not blank');
  });
});
