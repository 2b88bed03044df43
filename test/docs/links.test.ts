/**
 * The README is the front door and docs/ holds the rest: every relative link in them must lead
 * somewhere (a file, a folder, or a heading of a Markdown file, by GitHub's anchor rules), every
 * page under docs/ must be linked from somewhere, and the README stays short and keeps the three
 * commands a newcomer types.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README_MAX_LINES = 250;

/** The Markdown files checked: README.md and every .md under docs/, as paths relative to ROOT. */
function markdownFiles(): string[] {
  const found = ['README.md'];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.md')) found.push(rel);
    }
  };
  walk('docs');
  return found.sort();
}

/** The text outside fenced code blocks, line by line; code spans blanked so their brackets are not links. */
function proseLines(markdown: string): string[] {
  const lines: string[] = [];
  let fence: string | null = null;
  for (const line of markdown.split('\n')) {
    const opener = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === null && opener !== undefined) {
      fence = opener;
      lines.push('');
      continue;
    }
    if (fence !== null) {
      if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '') fence = null;
      lines.push('');
      continue;
    }
    lines.push(line.replace(/(`+)[^`]*?\1/g, ''));
  }
  return lines;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens (github-slugger). */
export function githubSlug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a Markdown file's headings, with GitHub's -1, -2 suffixes for repeats. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | null = null;
  for (const line of markdown.split('\n')) {
    const opener = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (opener !== undefined) {
      if (fence === null) fence = opener;
      else if (line.trim().startsWith(fence)) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = githubSlug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Relative link targets of a Markdown text (inline links and images), outside code. */
export function relativeLinks(markdown: string): string[] {
  const links: string[] = [];
  for (const line of proseLines(markdown)) {
    for (const match of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = match[1] ?? '';
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      links.push(target);
    }
  }
  return links;
}

/** What is wrong with each relative link of `file` (relative to ROOT), as "file: link: reason". */
export function brokenLinks(
  file: string,
  markdown: string,
  readText: (abs: string) => string = (abs) => readFileSync(abs, 'utf8'),
): string[] {
  const problems: string[] = [];
  for (const link of relativeLinks(markdown)) {
    const [rawPath = '', anchor] = link.split('#', 2);
    const target = rawPath === '' ? path.join(ROOT, file) : path.resolve(path.join(ROOT, path.dirname(file)), decodeURIComponent(rawPath));
    if (!existsSync(target)) {
      problems.push(`${file}: ${link}: ${path.relative(ROOT, target)} does not exist`);
      continue;
    }
    if (anchor === undefined || !target.endsWith('.md') || !statSync(target).isFile()) continue;
    const text = rawPath === '' ? markdown : readText(target);
    if (!headingAnchors(text).has(anchor))
      problems.push(`${file}: ${link}: no heading with anchor #${anchor} in ${path.relative(ROOT, target)}`);
  }
  return problems;
}

test('githubSlug follows GitHub: code marks and punctuation dropped, case folded, spaces to hyphens', () => {
  assert.equal(githubSlug('`pushbench run`: your workload'), 'pushbench-run-your-workload');
  assert.equal(githubSlug('The model: the network, phases and batching'), 'the-model-the-network-phases-and-batching');
  assert.equal(githubSlug('How fast is pushbench itself?'), 'how-fast-is-pushbench-itself');
  assert.equal(githubSlug('`websocket-deflate`: compression on purpose'), 'websocket-deflate-compression-on-purpose');
  assert.deepEqual([...headingAnchors('# A\n## Notes\n```\n# not a heading\n```\n## Notes\n')], ['a', 'notes', 'notes-1']);
});

test('the checker finds a missing file, a missing anchor, and ignores code and absolute URLs', () => {
  const markdown = [
    '# Title',
    '[ok](#title) [gone](#nowhere) [file](docs/no-such-page.md) [web](https://example.com/x.md)',
    '`[in code](missing.md)`',
    '```',
    '[in a fence](missing-too.md)',
    '```',
  ].join('\n');
  const problems = brokenLinks('README.md', markdown);
  assert.equal(problems.length, 2, problems.join('\n'));
  assert.match(problems[0] ?? '', /#nowhere/);
  assert.match(problems[1] ?? '', /docs\/no-such-page\.md does not exist/);
});

test('every relative link in README.md and docs/**/*.md resolves', () => {
  const problems = markdownFiles().flatMap((file) => brokenLinks(file, readFileSync(path.join(ROOT, file), 'utf8')));
  assert.deepEqual(problems, []);
});

test('every page under docs/ is linked from README.md or another page', () => {
  const files = markdownFiles();
  const linked = new Set<string>();
  for (const file of files) {
    for (const link of relativeLinks(readFileSync(path.join(ROOT, file), 'utf8'))) {
      const rawPath = link.split('#')[0] ?? '';
      if (rawPath !== '') linked.add(path.relative(ROOT, path.resolve(path.join(ROOT, path.dirname(file)), rawPath)));
    }
  }
  const orphans = files.filter((file) => file !== 'README.md' && !linked.has(file));
  assert.deepEqual(orphans, [], 'pages nothing links to');
});

test(`README.md is the front door: at most ${README_MAX_LINES} lines, with the three commands`, () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const lines = readme.endsWith('\n') ? readme.split('\n').length - 1 : readme.split('\n').length;
  assert.ok(lines <= README_MAX_LINES, `README.md has ${lines} lines; at most ${README_MAX_LINES}: move detail to docs/`);
  for (const command of ['npm ci', 'npm run bench', 'npm test'])
    assert.ok(readme.includes(command), `README.md does not contain "${command}"`);
  assert.match(readme, /<!-- sample: npm run bench -->\n```/, 'the sample output block is marked for replacement');
});
