import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { ResultsFile } from '../../core/results.ts';
import { escapeHtml, escapeMarkdown, jsonForScript } from '../../core/html.ts';
import { renderAll } from '../../reports/index.ts';
import { HOSTILE, hostileFixture } from './helpers.ts';

let hostile: ResultsFile;
let html = '';
let md = '';

before(async () => {
  hostile = hostileFixture();
  const files = await renderAll(hostile, ['html', 'markdown']);
  html = String(files.find((f) => f.file === 'report.html')?.content);
  md = String(files.find((f) => f.file === 'summary.md')?.content);
});

test('no hostile markup survives in report.html', () => {
  assert.doesNotMatch(html, /<script>alert/i);
  assert.doesNotMatch(html, /<!-- "/);
  // Exactly the three script elements the page itself opens: the JSON block, chart.js, the boot script.
  assert.equal(html.match(/<script\b/gi)?.length, 3);
  assert.equal(html.match(/<\/script/gi)?.length, 3);
  assert.ok(html.includes(escapeHtml(HOSTILE)));
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;&lt;/script&gt;&lt;!-- &quot;&#39;&amp;| x'));
});

test('the embedded chart JSON cannot be closed and parses back to the hostile titles', () => {
  const open = '<script type="application/json" id="pushbench-charts">';
  const start = html.indexOf(open) + open.length;
  const end = html.indexOf('</script>', start);
  const json = html.slice(start, end);
  assert.doesNotMatch(json, /</);
  const specs = JSON.parse(json) as Array<{ title: string }>;
  assert.ok(
    specs.some((s) => s.title.includes(HOSTILE)),
    'the title round-trips exactly',
  );
});

test('hostile header names and values, command, error and formula are escaped where they appear', () => {
  assert.ok(html.includes(`<tr><td>x-hostile</td><td>${escapeHtml(HOSTILE)}</td></tr>`));
  assert.ok(html.includes(`<pre><code>pushbench run ${escapeHtml(HOSTILE)}</code></pre>`));
  assert.ok(html.includes(`failed: error ${escapeHtml(HOSTILE)}</td>`));
  assert.ok(html.includes(`Model: formula ${escapeHtml(HOSTILE)}</td>`));
});

test('summary.md has no raw HTML and every table row keeps its column count', () => {
  assert.doesNotMatch(md, /<script/i);
  assert.doesNotMatch(md, /<!--/);
  assert.ok(md.includes(escapeMarkdown(`Description ${HOSTILE}`)));
  assert.ok(md.includes('\\|'), 'pipes in cells are escaped');
  // Cells are separated by unescaped pipes; each table's rows must agree with its header.
  const count = (line: string) => line.replace(/\\\|/g, '').split('|').length;
  let expected = 0;
  for (const line of md.split('\n')) {
    if (!line.startsWith('|')) {
      expected = 0;
      continue;
    }
    if (expected === 0) expected = count(line);
    else assert.equal(count(line), expected, line);
  }
});

test('the reproduce command cannot end its <pre> block in summary.md', async () => {
  const [file] = await renderAll({ ...hostile, command: 'run ``` </pre>\n# not a heading' }, ['markdown']);
  assert.ok(String(file?.content).includes('<pre><code>run ``` &lt;/pre&gt;\n# not a heading</code></pre>'));
});

test('jsonForScript escapes every character that could end a script element', () => {
  const text = jsonForScript({ a: '</script><!--\u2028&>' });
  assert.doesNotMatch(text, /[<>&\u2028]/);
  assert.deepEqual(JSON.parse(text), { a: '</script><!--\u2028&>' });
});
