/**
 * A reader for the part of YAML that action.yml and workflow files use: block mappings and
 * sequences by indentation, plain, single- and double-quoted scalars, `|` literal blocks and
 * full-line comments. The project has no YAML dependency; anything outside this subset (flow
 * collections, anchors, `>` folding, trailing comments) throws rather than being misread.
 */

export type YamlValue = string | null | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  indent: number;
  text: string;
  number: number;
}

/** Parses `source`; throws an Error naming the line for anything outside the subset. */
export function readYamlSubset(source: string): YamlValue {
  const raw = source.split('\n');
  const lines: Line[] = [];
  raw.forEach((line, i) => {
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    if (line.includes('\t')) throw new Error(`line ${i + 1}: tab in indentation`);
    lines.push({ indent: line.length - line.trimStart().length, text: line.trim(), number: i + 1 });
  });
  const state = { pos: 0, raw };
  if (lines.length === 0) return null;
  const value = readBlock(lines, state, lines[0]!.indent);
  if (state.pos < lines.length) throw new Error(`line ${lines[state.pos]!.number}: unexpected indentation`);
  return value;
}

function readBlock(lines: Line[], state: { pos: number; raw: string[] }, indent: number): YamlValue {
  const first = lines[state.pos]!;
  return first.text === '-' || first.text.startsWith('- ') ? readSequence(lines, state, indent) : readMapping(lines, state, indent);
}

function readSequence(lines: Line[], state: { pos: number; raw: string[] }, indent: number): YamlValue[] {
  const items: YamlValue[] = [];
  while (state.pos < lines.length && lines[state.pos]!.indent === indent && lines[state.pos]!.text.startsWith('-')) {
    const line = lines[state.pos]!;
    const rest = line.text.slice(1).trimStart();
    if (rest === '') {
      state.pos++;
      items.push(state.pos < lines.length && lines[state.pos]!.indent > indent ? readBlock(lines, state, lines[state.pos]!.indent) : null);
    } else if (isKeyLine(rest)) {
      // `- key: value` opens a mapping whose keys sit where `key` starts.
      const itemIndent = indent + (line.text.length - rest.length);
      lines[state.pos] = { indent: itemIndent, text: rest, number: line.number };
      items.push(readMapping(lines, state, itemIndent));
    } else {
      state.pos++;
      items.push(scalar(rest, line.number));
    }
  }
  return items;
}

function readMapping(lines: Line[], state: { pos: number; raw: string[] }, indent: number): { [key: string]: YamlValue } {
  const mapping: { [key: string]: YamlValue } = {};
  while (state.pos < lines.length && lines[state.pos]!.indent === indent) {
    const line = lines[state.pos]!;
    if (!isKeyLine(line.text)) throw new Error(`line ${line.number}: expected "key: value", got ${JSON.stringify(line.text)}`);
    const colon = keyEnd(line.text);
    const key = unquoteKey(line.text.slice(0, colon));
    if (key in mapping) throw new Error(`line ${line.number}: duplicate key ${key}`);
    const rest = line.text.slice(colon + 1).trim();
    state.pos++;
    if (rest === '|' || rest === '|-') {
      mapping[key] = literalBlock(lines, state, indent, rest === '|-');
    } else if (rest === '') {
      const next = lines[state.pos];
      // A sequence may sit at the key's own indentation (`steps:` then `- name:` under it).
      if (next !== undefined && (next.indent > indent || (next.indent === indent && next.text.startsWith('-'))))
        mapping[key] = readBlock(lines, state, next.indent);
      else mapping[key] = null;
    } else {
      mapping[key] = scalar(rest, line.number);
    }
  }
  return mapping;
}

/** The text of a `|` block: the raw lines below the key, indentation removed, one final newline (`|-`: none). */
function literalBlock(lines: Line[], state: { pos: number; raw: string[] }, keyIndent: number, strip: boolean): string {
  const start = state.pos;
  while (state.pos < lines.length && lines[state.pos]!.indent > keyIndent) state.pos++;
  if (start === state.pos) return '';
  const firstNumber = lines[start]!.number;
  const lastNumber = lines[state.pos - 1]!.number;
  const blockIndent = lines[start]!.indent;
  const body = state.raw.slice(firstNumber - 1, lastNumber).map((l) => l.slice(blockIndent));
  const text = body.join('\n').replace(/\n+$/, '');
  return strip ? text : `${text}\n`;
}

function isKeyLine(text: string): boolean {
  return keyEnd(text) > 0;
}

/** Index of the `:` that ends a key (followed by a space or the line's end), or -1. */
function keyEnd(text: string): number {
  if (text.startsWith("'") || text.startsWith('"')) {
    const close = text.indexOf(text[0]!, 1);
    return close > 0 && text[close + 1] === ':' && (text.length === close + 2 || text[close + 2] === ' ') ? close + 1 : -1;
  }
  const match = /^[^\s:#'"[\]{}][^:]*?:(?= |$)/.exec(text);
  return match ? match[0].length - 1 : -1;
}

function unquoteKey(key: string): string {
  return key.startsWith("'") || key.startsWith('"') ? key.slice(1, -1) : key;
}

function scalar(text: string, number: number): string {
  if (text.startsWith("'")) {
    if (!/^'(?:[^']|'')*'$/.test(text)) throw new Error(`line ${number}: unterminated or trailing text after a single-quoted scalar`);
    return text.slice(1, -1).replace(/''/g, "'");
  }
  if (text.startsWith('"')) {
    if (!/^"(?:[^"\\]|\\.)*"$/.test(text)) throw new Error(`line ${number}: unterminated or trailing text after a double-quoted scalar`);
    return JSON.parse(text) as string;
  }
  if (/^[[{&*!>|%@`]/.test(text)) throw new Error(`line ${number}: ${JSON.stringify(text)} is outside the YAML subset this reader knows`);
  if (/ #/.test(text)) throw new Error(`line ${number}: trailing comments are outside the subset`);
  return text;
}
