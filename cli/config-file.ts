/**
 * Reading a config file (`--config FILE`, and the target files `--target-file` names): a
 * regular file of bounded size, read without blocking, its UTF-8 byte-order mark dropped, and
 * a JSON object whose keys are the command's flags, each value labelled with where it came from.
 */
import fs from 'node:fs';
import { ConfigError, showReceived } from '../core/errors.ts';
import type { RawInput } from './flags.ts';

/** Reads a config file as text; `readConfigText` by default, replaceable in tests. */
export type ReadTextFile = (path: string, encoding: 'utf8') => string;

/** The largest config file read: a real one is a few hundred bytes; this refuses `/dev/zero` and friends at once. */
export const MAX_CONFIG_FILE_BYTES = 1_048_576;

/** What a path that is not a regular file is, for a message that names it. */
const FILE_KINDS: Array<[(s: fs.Stats) => boolean, string]> = [
  [(s) => s.isDirectory(), 'a directory'],
  [(s) => s.isCharacterDevice(), 'a character device'],
  [(s) => s.isBlockDevice(), 'a block device'],
  [(s) => s.isFIFO(), 'a named pipe'],
  [(s) => s.isSocket(), 'a socket'],
];

/**
 * What a file that is not a regular file is, in words ("a character device"), or null for a
 * regular file: reading /dev/zero or a pipe as a file would never end.
 */
export function fileKind(stats: fs.Stats): string | null {
  if (stats.isFile()) return null;
  return FILE_KINDS.find(([test]) => test(stats))?.[1] ?? 'not a regular file';
}

/**
 * Reads a config file: a regular file of at most MAX_CONFIG_FILE_BYTES, else a ConfigError at
 * once (`--config /dev/zero` would otherwise read forever). Opened non-blocking so that a named
 * pipe with no writer is refused instead of waiting; the size is checked on the open file and
 * the read is bounded too, so a file growing meanwhile cannot get past the limit.
 */
export function readConfigText(file: string): string {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const stats = fs.fstatSync(fd);
    const kind = fileKind(stats);
    if (kind !== null) {
      throw new ConfigError(
        `cannot read config file "${file}": it is ${kind}; expected a regular JSON file of at most ${MAX_CONFIG_FILE_BYTES} bytes`,
      );
    }
    if (stats.size > MAX_CONFIG_FILE_BYTES) {
      throw new ConfigError(
        `cannot read config file "${file}": received ${stats.size} bytes; at most ${MAX_CONFIG_FILE_BYTES} bytes are allowed`,
      );
    }
    const buffer = Buffer.alloc(MAX_CONFIG_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > MAX_CONFIG_FILE_BYTES) {
        throw new ConfigError(
          `cannot read config file "${file}": it grew past ${MAX_CONFIG_FILE_BYTES} bytes while being read; at most ${MAX_CONFIG_FILE_BYTES} bytes are allowed`,
        );
      }
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** A UTF-8 byte-order mark, which Windows editors write and JSON.parse refuses. */
const BOM = '\uFEFF';

/** Reads the config file into raw inputs keyed by flag name. */
export function readConfigFile(file: string, allowed: readonly string[], readFile: ReadTextFile): Map<string, RawInput> {
  let text: string;
  try {
    text = readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`cannot read config file "${file}": ${(err as Error).message}`, { cause: err });
  }
  if (text.startsWith(BOM)) text = text.slice(BOM.length);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`invalid JSON in config file "${file}": ${(err as Error).message}`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const received = Array.isArray(parsed) ? 'an array' : showReceived(parsed);
    throw new ConfigError(
      `config file "${file}" must hold a JSON object such as {"technique": ["sse", "websocket"]}; received ${received}`,
    );
  }
  const inputs = new Map<string, RawInput>();
  for (const [key, input] of Object.entries(parsed)) {
    if (!allowed.includes(key)) throw new ConfigError(`unknown key "${key}" in config file "${file}"; allowed: ${allowed.join(', ')}`);
    inputs.set(key, { input, label: `"${key}" in config file "${file}"` });
  }
  return inputs;
}

/** The default file reader: `readConfigText`, in the ReadTextFile shape. */
export const readConfigFileText: ReadTextFile = (file) => readConfigText(file);
