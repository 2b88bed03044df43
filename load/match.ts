/**
 * Finding pushbench's stamp in whatever a server sends, and splitting response bodies into the
 * units that are searched for it. A stamp is the `"seq":N,"t":T` pair that begins every message
 * pushbench publishes; a foreign server may wrap the message in its own envelope, raw or as a
 * JSON string (one level escaped: `{"message":"{\"seq\":1,\"t\":2,...}"}`, as a Django Channels
 * consumer usually sends it), so every occurrence in a unit is a message received, in either
 * form, with optional spaces after `:` and `,` (a server that re-encodes JSON may add them).
 *
 * This runs for every message a load generator receives (tens of thousands a second), so it
 * scans bytes with Buffer.indexOf and reads digits in place instead of parsing JSON.
 */
import { atJsonPointer, type Split } from '../core/targets.ts';

/** One stamp found in a unit. */
export interface Stamp {
  seq: number;
  t: number;
}

const SPACE = 0x20;
const COMMA = 0x2c;
const QUOTE_BYTE = 0x22;
const BACKSLASH_BYTE = 0x5c;
const COLON = 0x3a;
const LETTER_S = 0x73;
const LETTER_E = 0x65;
const LETTER_Q = 0x71;
const LETTER_T = 0x74;

/** Where the digits read by the last `digitsAt` end (a module-level slot: no object per number on this hot path). */
let digitsEnd = 0;

/** Reads the digits at `at` (before `end`); their value, and where they end in `digitsEnd` (`=== at` when there are none). */
function digitsAt(unit: Buffer, at: number, end: number): number {
  let value = 0;
  let i = at;
  for (; i < end; i++) {
    const c = unit[i]!;
    if (c < 48 || c > 57) break;
    value = value * 10 + (c - 48);
  }
  digitsEnd = i;
  return value;
}

function skipSpaces(unit: Buffer, at: number, end: number): number {
  let i = at;
  while (i < end && unit[i] === SPACE) i++;
  return i;
}

/**
 * The key (`"seq":`, or `\"seq\":` when `escaped`) whose `seq` begins at `i`: the index just after
 * it, or -1. The two forms differ at the byte after `seq`, so no position is both.
 */
function keyEnd(unit: Buffer, i: number, start: number, end: number, escaped: boolean): number {
  if (escaped)
    return i - 2 >= start &&
      i + 5 < end &&
      unit[i - 2] === BACKSLASH_BYTE &&
      unit[i - 1] === QUOTE_BYTE &&
      unit[i + 3] === BACKSLASH_BYTE &&
      unit[i + 4] === QUOTE_BYTE &&
      unit[i + 5] === COLON
      ? i + 6
      : -1;
  return i - 1 >= start && i + 4 < end && unit[i - 1] === QUOTE_BYTE && unit[i + 3] === QUOTE_BYTE && unit[i + 4] === COLON ? i + 5 : -1;
}

/** The `t` key (`"t":`, or `\"t\":`) at `i`: the index just after it, or -1. */
function tKeyEnd(unit: Buffer, i: number, end: number, escaped: boolean): number {
  if (escaped)
    return i + 5 < end &&
      unit[i] === BACKSLASH_BYTE &&
      unit[i + 1] === QUOTE_BYTE &&
      unit[i + 2] === LETTER_T &&
      unit[i + 3] === BACKSLASH_BYTE &&
      unit[i + 4] === QUOTE_BYTE &&
      unit[i + 5] === COLON
      ? i + 6
      : -1;
  return i + 3 < end && unit[i] === QUOTE_BYTE && unit[i + 1] === LETTER_T && unit[i + 2] === QUOTE_BYTE && unit[i + 3] === COLON
    ? i + 4
    : -1;
}

/** Set by a raw scan that passed an escaped key: only then is the escaped scan run. */
let sawEscapedKey = false;

/**
 * Scans `unit[start, end)` for one key form (raw or escaped) and hands each complete stamp to
 * `onStamp`; returns how many. One pass over the bytes in JavaScript: a message is ~100 bytes,
 * where a native `indexOf` per search cost more in calls than the bytes it skipped.
 */
function scanForm(unit: Buffer, start: number, end: number, escaped: boolean, onStamp: (seq: number, t: number) => void): number {
  let found = 0;
  for (let i = start; i + 2 < end; i++) {
    if (unit[i] !== LETTER_S || unit[i + 1] !== LETTER_E || unit[i + 2] !== LETTER_Q) continue;
    const afterKey = keyEnd(unit, i, start, end, escaped);
    if (afterKey === -1) {
      if (!escaped && !sawEscapedKey && keyEnd(unit, i, start, end, true) !== -1) sawEscapedKey = true;
      continue;
    }
    const seqStart = skipSpaces(unit, afterKey, end);
    const seq = digitsAt(unit, seqStart, end);
    if (digitsEnd === seqStart) continue;
    let j = skipSpaces(unit, digitsEnd, end);
    if (j >= end || unit[j] !== COMMA) continue;
    j = tKeyEnd(unit, skipSpaces(unit, j + 1, end), end, escaped);
    if (j === -1) continue;
    j = skipSpaces(unit, j, end);
    const t = digitsAt(unit, j, end);
    if (digitsEnd === j) continue;
    found++;
    // The scan goes on after the stamp's digits (read before the callback, which may read digits of its own).
    i = digitsEnd - 1;
    onStamp(seq, t);
  }
  return found;
}

/**
 * Every stamp in `unit` (or in its bytes `[start, end)`), raw and one level JSON-string-escaped;
 * returns how many were found. Raw stamps come first, in order, then escaped ones.
 */
export function scanStamps(unit: Buffer, onStamp: (seq: number, t: number) => void, start = 0, end = unit.length): number {
  sawEscapedKey = false;
  const raw = scanForm(unit, start, end, false, onStamp);
  // An escaped stamp contains no raw `"seq":`, so the two scans never count one stamp twice.
  return raw + (sawEscapedKey ? scanForm(unit, start, end, true, onStamp) : 0);
}

/** Decimal digits of a non-negative integer (by comparison: exact, and cheaper per message than a logarithm). */
function digitCount(n: number): number {
  let digits = 1;
  for (let power = 10; n >= power && digits < 21; power *= 10) digits++;
  return digits;
}

/**
 * Bytes of the message JSON pushbench published for stamp (seq, t): `{"seq":N,"t":T` +
 * (`,"room":R` in chat) + `,"data":"` + payload + `"}`, the filler being JSON-safe ASCII. This is
 * the payload of a delivered message; whatever a server wraps around it is overhead.
 */
export function messageJsonBytes(seq: number, t: number, room: number | undefined, payloadBytes: number): number {
  const roomBytes = room === undefined ? 0 : 8 + digitCount(room);
  return 7 + digitCount(seq) + 5 + digitCount(t) + roomBytes + 9 + payloadBytes + 2;
}

// ---------------------------------------------------------------------------------------
// Splitting a response body into units.
// ---------------------------------------------------------------------------------------

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * The elements of a top-level JSON array, as slices of `body` (no copy), without parsing them:
 * depth is tracked through brackets, braces and strings. A body that is not an array is one unit.
 */
export function splitJsonArray(body: Buffer): Buffer[] {
  let i = 0;
  while (i < body.length && isWhitespace(body[i]!)) i++;
  if (body[i] !== OPEN_BRACKET) return body.length === 0 ? [] : [body];
  const units: Buffer[] = [];
  let depth = 0;
  let start = i + 1;
  for (i = i + 1; i < body.length; i++) {
    const c = body[i]!;
    if (c === QUOTE) {
      // Skip the string: find its closing quote, one not preceded by an odd run of backslashes.
      let j = i + 1;
      for (;;) {
        j = body.indexOf(QUOTE, j);
        if (j === -1) return units;
        let backslashes = 0;
        while (body[j - 1 - backslashes] === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
        j++;
      }
      i = j;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
    } else if (c === CLOSE_BRACE || (c === CLOSE_BRACKET && depth > 0)) {
      depth--;
    } else if (depth === 0 && (c === COMMA || c === CLOSE_BRACKET)) {
      const unit = trim(body, start, i);
      if (unit.length > 0) units.push(unit);
      start = i + 1;
      if (c === CLOSE_BRACKET) return units;
    }
  }
  return units;
}

function trim(body: Buffer, from: number, to: number): Buffer {
  let a = from;
  let b = to;
  while (a < b && isWhitespace(body[a]!)) a++;
  while (b > a && isWhitespace(body[b - 1]!)) b--;
  return body.subarray(a, b);
}

/** Non-empty pieces of `body` between occurrences of `delimiter`. */
export function splitDelimited(body: Buffer, delimiter: Buffer): Buffer[] {
  const units: Buffer[] = [];
  let from = 0;
  for (;;) {
    const at = body.indexOf(delimiter, from);
    const piece = body.subarray(from, at === -1 ? body.length : at);
    if (piece.length > 0) units.push(piece);
    if (at === -1) return units;
    from = at + delimiter.length;
  }
}

/** The boundary of a `multipart/*` content type, or null. */
export function multipartBoundary(contentType: string | undefined): string | null {
  if (contentType === undefined) return null;
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match === null ? null : (match[1] ?? match[2] ?? null);
}

/** The bodies of the parts of a multipart body (each part's headers dropped). */
export function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const units: Buffer[] = [];
  const marker = Buffer.from(`--${boundary}`);
  let at = body.indexOf(marker);
  while (at !== -1) {
    const partStart = at + marker.length;
    // `--boundary--` closes the body.
    if (body[partStart] === 0x2d && body[partStart + 1] === 0x2d) break;
    const next = body.indexOf(marker, partStart);
    const part = body.subarray(partStart, next === -1 ? body.length : next);
    const headEnd = part.indexOf('\r\n\r\n');
    if (headEnd !== -1) {
      let content = part.subarray(headEnd + 4);
      if (content.length >= 2 && content[content.length - 2] === 0x0d && content[content.length - 1] === 0x0a)
        content = content.subarray(0, content.length - 2);
      if (content.length > 0) units.push(content);
    }
    at = next;
  }
  return units;
}

/**
 * The elements of the array at a JSON pointer in the body (`/messages` of `{"messages": [...],
 * "next": ...}`), each re-encoded as JSON: units are searched for stamps and read for a message
 * cursor, while the bytes on the wire are counted on the socket, so re-encoding changes no figure.
 * A body that is not JSON, or has no array there, is one unit.
 */
export function splitArrayAt(body: Buffer, pointer: string): Buffer[] {
  let array: unknown;
  try {
    array = atJsonPointer(JSON.parse(body.toString('utf8')), pointer);
  } catch {
    return [body];
  }
  if (!Array.isArray(array)) return [body];
  return array.map((element) => Buffer.from(JSON.stringify(element)));
}

/** Splits a response body as the target says; `contentType` serves multipart. */
export function splitBody(body: Buffer, split: Split, contentType: string | undefined): Buffer[] {
  if (body.length === 0) return [];
  switch (split.kind) {
    case 'json-array':
      return split.pointer === undefined ? splitJsonArray(body) : splitArrayAt(body, split.pointer);
    case 'delimiter':
      return splitDelimited(body, Buffer.from(split.delimiter));
    case 'whole':
      return [body];
    case 'multipart': {
      const boundary = multipartBoundary(contentType);
      return boundary === null ? [body] : splitMultipart(body, boundary);
    }
  }
}
