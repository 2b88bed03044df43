/**
 * Exit codes of every pushbench command, and the one place an error's code becomes one.
 * Keyed by every PushbenchErrorCode, so a new code does not compile until it has an exit code.
 */
import { PushbenchError, type PushbenchErrorCode } from '../core/errors.ts';

/** The exit codes pushbench uses; docs/cli.md lists them with these comments (npm run docs:cli). */
export const EXIT = {
  /** Everything ran (compare: no regression). */
  ok: 0,
  /** A technique failed, a regression was found, or an unexpected error. */
  failed: 1,
  /** Bad input: a flag, config file, results file or argument that cannot be used. */
  badInput: 2,
  /** An output file (results.json, a report) could not be written. */
  writeFailed: 3,
  /** Every technique ran, but at least one delivered fewer messages than expected (lost > 0). */
  messagesLost: 4,
  /** Interrupted by a signal (128 + SIGINT). */
  interrupted: 130,
} as const;

const EXIT_BY_CODE: Readonly<Record<PushbenchErrorCode, number>> = {
  PUSHBENCH_INVALID_CONFIG: EXIT.badInput,
  PUSHBENCH_RESULTS_UNREADABLE: EXIT.badInput,
  PUSHBENCH_RESULTS_JSON: EXIT.badInput,
  PUSHBENCH_RESULTS_SCHEMA: EXIT.badInput,
  PUSHBENCH_RESULTS_VERSION: EXIT.badInput,
  PUSHBENCH_COMPARE_SCENARIOS: EXIT.badInput,
  PUSHBENCH_COMPARE_THRESHOLD: EXIT.badInput,
  PUSHBENCH_MODEL_INPUT: EXIT.badInput,
  PUSHBENCH_WRITE_FAILED: EXIT.writeFailed,
  PUSHBENCH_INTERRUPTED: EXIT.interrupted,
  PUSHBENCH_SERVER_CRASHED: EXIT.failed,
  PUSHBENCH_GENERATOR_CRASHED: EXIT.failed,
  PUSHBENCH_CHILD_TIMEOUT: EXIT.failed,
  PUSHBENCH_RUN_STEP: EXIT.failed,
  PUSHBENCH_OPEN_FILE_LIMIT: EXIT.failed,
  PUSHBENCH_MICRO: EXIT.failed,
  PUSHBENCH_CAPACITY: EXIT.failed,
  PUSHBENCH_NO_FONT: EXIT.failed,
  PUSHBENCH_BODY_TOO_LARGE: EXIT.failed,
  PUSHBENCH_FEED_LIMITS: EXIT.badInput,
  PUSHBENCH_CONNECTION_CLOSED: EXIT.failed,
  PUSHBENCH_TARGET_REFUSED: EXIT.failed,
  PUSHBENCH_INVALID_TARGET: EXIT.badInput,
  PUSHBENCH_TARGET_SERVER: EXIT.failed,
};

/** The exit code for an error a command did not handle: by its code for a PushbenchError, else 1. */
export function exitCodeFor(error: unknown): number {
  if (!(error instanceof PushbenchError)) return EXIT.failed;
  const code: PushbenchErrorCode = error.code;
  return EXIT_BY_CODE[code];
}

/**
 * Prints a PushbenchError's message after `prefix` on stderr and returns its exit code;
 * anything else is a bug and is rethrown so its stack trace shows.
 */
export function reportError(
  prefix: string,
  error: unknown,
  write: (text: string) => void = (text) => void process.stderr.write(text),
): number {
  if (!(error instanceof PushbenchError)) throw error;
  write(`${prefix}: ${error.message}\n`);
  return exitCodeFor(error);
}
