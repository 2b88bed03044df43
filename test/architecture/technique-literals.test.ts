/**
 * No technique id literal outside core's metadata and that technique's own files.
 *
 * Everything that differs per technique is either a field of its row in core/techniques.ts or
 * code in one of its own files, found by name:
 *
 *   core/techniques.ts                 the rows: every id may appear here
 *   servers/techniques/<id>.ts         <id>'s server handler and demo pane text
 *   load/drivers/<id>.ts               <id>'s client driver
 *   run/techniques/<id>.ts             <id>'s model and micro-benchmark case
 *   reports/lessons/<id>.ts            <id>'s lesson
 *
 * An own file may name its own id only. Anywhere else in the source tree (core, servers, load,
 * run, reports, cli, perf; tests are exempt, they assert about specific techniques) a technique
 * id is an error when it appears as a string literal (quotes, or a template without
 * substitutions: `'websocket'`), as a property name (`PATHS.polling`, `stats.techniques.sse`)
 * or as an object or type member key (`{ polling: ... }`). Comments, prose inside longer
 * strings and regular expressions do not count. The scan is a small tokenizer, not a regex over
 * the text, so a quote inside a regular expression or a comment cannot confuse it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TECHNIQUES } from '../../core/techniques.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LAYERS = ['core', 'servers', 'load', 'run', 'reports', 'cli', 'perf'] as const;
const METADATA_FILE = 'core/techniques.ts';
/** Folders whose `<id>.ts` (or `.js`) is technique <id>'s own file in that layer. */
export const OWN_FILE_DIRS = ['servers/techniques', 'load/drivers', 'run/techniques', 'reports/lessons'] as const;

/** A technique id found in source, where, and as what. */
export interface IdOccurrence {
  id: string;
  line: number;
  kind: 'string' | 'property' | 'key';
}

const IDENT_START = /[A-Za-z_$]/;
const IDENT_PART = /[\w$]/;
/** After these characters a `/` starts a regular expression, not a division. */
const REGEX_AFTER_PUNCT = new Set('(,=:[!&|?{};+-*%<>~^'.split(''));
const REGEX_AFTER_WORD = new Set([
  'return',
  'typeof',
  'case',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'else',
  'do',
  'yield',
  'await',
]);

/**
 * Every occurrence of one of `ids` in JavaScript or TypeScript `source` as a string literal, a
 * property name after `.`/`?.`, or a key before `:`/`?:`. Skips comments and regular expressions.
 */
export function techniqueIdsIn(source: string, ids: readonly string[]): IdOccurrence[] {
  const wanted = new Set(ids);
  const found: IdOccurrence[] = [];
  let i = 0;
  let line = 1;
  /** The last significant token: a punctuation character, or a word. */
  let prev: { kind: 'punct' | 'word' | 'value'; text: string } = { kind: 'punct', text: ';' };
  /** Brace depth at which each open template's `${` began, innermost last. */
  const templates: number[] = [];
  let depth = 0;

  const peekSignificant = (from: number): string => {
    let j = from;
    while (j < source.length) {
      const c = source[j]!;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') j++;
      else if (source.startsWith('//', j)) j = source.indexOf('\n', j) < 0 ? source.length : source.indexOf('\n', j);
      else if (source.startsWith('/*', j)) j = source.indexOf('*/', j + 2) < 0 ? source.length : source.indexOf('*/', j + 2) + 2;
      else return source.slice(j, j + 2);
    }
    return '';
  };
  const advance = (to: number): void => {
    for (let k = i; k < to; k++) if (source[k] === '\n') line++;
    i = to;
  };
  /** Reads a template chunk from i (just after ` or }): returns its text and whether it ended the template. */
  const readTemplateChunk = (): { text: string; closed: boolean; end: number } => {
    let text = '';
    let j = i;
    while (j < source.length) {
      const c = source[j]!;
      if (c === '\\') {
        text += source[j + 1] ?? '';
        j += 2;
      } else if (c === '`') return { text, closed: true, end: j + 1 };
      else if (c === '$' && source[j + 1] === '{') return { text, closed: false, end: j + 2 };
      else {
        text += c;
        j++;
      }
    }
    return { text, closed: true, end: j };
  };

  while (i < source.length) {
    const c = source[i]!;
    const startLine = line;
    if (c === '\n' || c === ' ' || c === '\t' || c === '\r') {
      advance(i + 1);
    } else if (source.startsWith('//', i)) {
      const end = source.indexOf('\n', i);
      advance(end < 0 ? source.length : end);
    } else if (source.startsWith('/*', i)) {
      const end = source.indexOf('*/', i + 2);
      advance(end < 0 ? source.length : end + 2);
    } else if (c === '"' || c === "'") {
      const end = closingQuote(source, i, c);
      const value = source.slice(i + 1, end).replace(/\\(.)/g, '$1');
      if (wanted.has(value)) found.push({ id: value, line: startLine, kind: 'string' });
      advance(end + 1);
      prev = { kind: 'value', text: c };
    } else if (c === '`') {
      advance(i + 1);
      const chunk = readTemplateChunk();
      if (chunk.closed && wanted.has(chunk.text)) found.push({ id: chunk.text, line: startLine, kind: 'string' });
      advance(chunk.end);
      if (!chunk.closed) templates.push(depth++);
      prev = { kind: 'value', text: '`' };
    } else if (c === '}' && templates.length > 0 && templates[templates.length - 1] === depth - 1) {
      // The end of a `${...}` substitution: the template continues.
      templates.pop();
      depth--;
      advance(i + 1);
      const chunk = readTemplateChunk();
      advance(chunk.end);
      if (!chunk.closed) templates.push(depth++);
      prev = { kind: 'value', text: '`' };
    } else if (
      c === '/' &&
      (prev.kind === 'punct' ? REGEX_AFTER_PUNCT.has(prev.text) : prev.kind === 'word' && REGEX_AFTER_WORD.has(prev.text))
    ) {
      // A regular expression literal: skip it, character classes and escapes included.
      let j = i + 1;
      let inClass = false;
      while (j < source.length && source[j] !== '\n') {
        const r = source[j]!;
        if (r === '\\') j += 2;
        else if (r === '[') {
          inClass = true;
          j++;
        } else if (r === ']') {
          inClass = false;
          j++;
        } else if (r === '/' && !inClass) break;
        else j++;
      }
      j++;
      while (j < source.length && IDENT_PART.test(source[j]!)) j++;
      advance(j);
      prev = { kind: 'value', text: '/' };
    } else if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < source.length && IDENT_PART.test(source[j]!)) j++;
      const word = source.slice(i, j);
      if (wanted.has(word)) {
        const next = peekSignificant(j);
        if (prev.kind === 'punct' && prev.text === '.') found.push({ id: word, line: startLine, kind: 'property' });
        else if (next.startsWith(':') || next === '?:') found.push({ id: word, line: startLine, kind: 'key' });
      }
      advance(j);
      prev = { kind: REGEX_AFTER_WORD.has(word) ? 'word' : 'value', text: word };
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < source.length && /[\w.]/.test(source[j]!)) j++;
      advance(j);
      prev = { kind: 'value', text: '0' };
    } else {
      if (c === '{') depth++;
      else if (c === '}') depth--;
      advance(i + 1);
      // `)` and `]` end a value: a `/` after them divides.
      prev = c === ')' || c === ']' ? { kind: 'value', text: c } : { kind: 'punct', text: c };
    }
  }
  return found;
}

/** Index of the quote that closes the string literal opening at `open`. */
function closingQuote(source: string, open: number, quote: string): number {
  let j = open + 1;
  while (j < source.length && source[j] !== quote && source[j] !== '\n') j += source[j] === '\\' ? 2 : 1;
  return j;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|js|mjs)$/.test(entry.name)) out.push(full);
  }
  return out;
}

/** The technique whose own file `file` (relative, with `/`) is, or null. */
export function ownerOf(file: string): string | null {
  const dir = path.posix.dirname(file);
  if (!(OWN_FILE_DIRS as readonly string[]).includes(dir)) return null;
  return path.posix.basename(file).replace(/\.(ts|js|mjs)$/, '');
}

/** Every technique id literal under `root` that is neither in the metadata nor in that technique's own file, as "file:line 'id' (kind)". */
export function strayTechniqueLiterals(root: string, ids: readonly string[]): string[] {
  const stray: string[] = [];
  for (const layer of LAYERS) {
    for (const full of sourceFiles(path.join(root, layer))) {
      const file = path.relative(root, full).split(path.sep).join('/');
      if (file === METADATA_FILE) continue;
      const owner = ownerOf(file);
      for (const hit of techniqueIdsIn(fs.readFileSync(full, 'utf8'), ids)) {
        if (hit.id === owner) continue;
        stray.push(`${file}:${hit.line} '${hit.id}' (${hit.kind})`);
      }
    }
  }
  return stray;
}

test("no technique id literal outside core/techniques.ts and the technique's own files", () => {
  assert.deepEqual(strayTechniqueLiterals(ROOT, TECHNIQUES), []);
});

test('the tokenizer finds ids as strings, properties and keys, and ignores comments, prose and regular expressions', () => {
  const ids = ['polling', 'sse', 'websocket', 'websocket-deflate'];
  const source = [
    "// polling in a comment, 'polling' quoted in a comment",
    "/* 'sse' */ const a = 'websocket';",
    'const b = "polling";',
    'const c = `sse`;',
    'const d = `${a}polling${b}`;',
    "const e = 'Short polling: one request';",
    'const f = /[\'"]polling/g.test(x) ? 1 : 2;',
    'const g = PATHS.sse + stats.techniques?.polling;',
    'const h = { websocket: 1, sse?: 2 };',
    "const i = { 'websocket-deflate': 3 };",
    'const j = x / 2 / polling;',
    'const k = `a ${`sse`} b`;',
  ].join('\n');
  assert.deepEqual(
    techniqueIdsIn(source, ids).map((hit) => `${hit.line}:${hit.id}:${hit.kind}`),
    [
      '2:websocket:string',
      '3:polling:string',
      '4:sse:string',
      '8:sse:property',
      '8:polling:property',
      '9:websocket:key',
      '9:sse:key',
      '10:websocket-deflate:string',
      '12:sse:string',
    ],
  );
});

test('a stray literal added anywhere in the real source tree fails the rule; the same literal in its own file does not', () => {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'pushbench-literals-'));
  try {
    for (const layer of LAYERS) fs.cpSync(path.join(ROOT, layer), path.join(dir, layer), { recursive: true });
    assert.deepEqual(strayTechniqueLiterals(dir, TECHNIQUES), [], 'the copy is clean');
    const serve = path.join(dir, 'cli', 'serve.ts');
    fs.appendFileSync(serve, "\nexport const scheme = (id: string) => (id === 'websocket' ? 'ws' : 'http');\n");
    const lesson = path.join(dir, 'reports', 'lessons', 'sse.ts');
    fs.appendFileSync(lesson, "\nexport const own = 'sse';\nexport const other = TECHNIQUE_META.polling;\n");
    const serveLine = fs.readFileSync(serve, 'utf8').split('\n').length - 1;
    const lessonLines = fs.readFileSync(lesson, 'utf8').split('\n').length;
    assert.deepEqual(
      strayTechniqueLiterals(dir, TECHNIQUES).sort(),
      [`cli/serve.ts:${serveLine} 'websocket' (string)`, `reports/lessons/sse.ts:${lessonLines - 1} 'polling' (property)`].sort(),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('own files are told by name: <layer folder>/<id>.ts', () => {
  assert.equal(ownerOf('servers/techniques/sse.ts'), 'sse');
  assert.equal(ownerOf('load/drivers/websocket.ts'), 'websocket');
  assert.equal(ownerOf('run/techniques/polling.ts'), 'polling');
  assert.equal(ownerOf('reports/lessons/longpoll.ts'), 'longpoll');
  assert.equal(ownerOf('load/drivers/index.ts'), 'index');
  assert.equal(ownerOf('reports/teaching.ts'), null);
  assert.equal(ownerOf('servers/techniques/nested/sse.ts'), null);
});
