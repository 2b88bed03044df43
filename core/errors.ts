/**
 * The one error module: every error pushbench raises on purpose is a PushbenchError with a
 * stable `code` spelled `PUSHBENCH_<WHAT>`, a message that names what was received and what is
 * allowed (or what to do), and the underlying error as `cause`. Callers branch on `code` (or on
 * the subclass), never on message text; the CLI maps codes to exit codes (cli/exit-codes.ts).
 *
 * The classes the entry points must recognise (bad input, results files, child processes, run
 * steps, the open-file limit, write failures) live here; a layer's private error (a model input,
 * a body over the limit) extends PushbenchError where it is thrown, with its code listed below.
 */

/**
 * Every code, with what it means. Adding an error means adding its code here; the CLI's exit
 * code table is keyed by this list, so the compiler asks for its exit code too.
 */
export const ERROR_CODES = {
  /** A flag, config file or command line that cannot be used (unknown or duplicated flag, bad value, unreadable file). */
  PUSHBENCH_INVALID_CONFIG: 'bad command-line or config-file input',
  /** A results file that cannot be read from disk. */
  PUSHBENCH_RESULTS_UNREADABLE: 'results file unreadable',
  /** A results file that is not JSON. */
  PUSHBENCH_RESULTS_JSON: 'results file is not JSON',
  /** A results file that breaks the results contract. */
  PUSHBENCH_RESULTS_SCHEMA: 'results file breaks the schema',
  /** A results file of another schema version. */
  PUSHBENCH_RESULTS_VERSION: 'results file of another schema version',
  /** Two runs that share nothing to compare. */
  PUSHBENCH_COMPARE_SCENARIOS: 'nothing to compare',
  /** A `--threshold` of compare that cannot be used. */
  PUSHBENCH_COMPARE_THRESHOLD: 'bad compare threshold',
  /** A server child process died, failed to start or reported a fatal error. */
  PUSHBENCH_SERVER_CRASHED: 'server process crashed',
  /** A load generator child process died or reported a fatal error. */
  PUSHBENCH_GENERATOR_CRASHED: 'load generator crashed',
  /** A child process did not answer a request in time. */
  PUSHBENCH_CHILD_TIMEOUT: 'child process did not answer',
  /** A step of a technique run that cannot go on (clients cannot connect, ...); becomes a `failed` result. */
  PUSHBENCH_RUN_STEP: 'run step failed',
  /** A run that needs more sockets than the open-file limit allows. */
  PUSHBENCH_OPEN_FILE_LIMIT: 'open-file limit',
  /** The user interrupted the run (a signal). */
  PUSHBENCH_INTERRUPTED: 'interrupted',
  /** results.json, a report or another output file could not be written. */
  PUSHBENCH_WRITE_FAILED: 'write failed',
  /** A scenario the analytic model cannot describe. */
  PUSHBENCH_MODEL_INPUT: 'model input out of range',
  /** A micro-benchmark task failed. */
  PUSHBENCH_MICRO: 'micro-benchmark failed',
  /** The capacity probe cannot run or was refused. */
  PUSHBENCH_CAPACITY: 'capacity probe failed',
  /** No font to draw PNG chart text with. */
  PUSHBENCH_NO_FONT: 'no font for PNG charts',
  /** An upstream request body over the server's limit. */
  PUSHBENCH_BODY_TOO_LARGE: 'request body too large',
  /** Feed limits out of range (rooms, ring size or bytes), or a room the server does not hold. */
  PUSHBENCH_FEED_LIMITS: 'feed limits out of range',
  /** A keep-alive client whose connection was closed under it. */
  PUSHBENCH_CONNECTION_CLOSED: 'connection closed',
  /** The target refused what a client asked (an error status, a refused connection, a rejected WebSocket handshake). */
  PUSHBENCH_TARGET_REFUSED: 'target refused the clients',
  /** A target file that cannot be used (not JSON, a missing or wrong field). */
  PUSHBENCH_INVALID_TARGET: 'bad target file',
  /** A target's server command exited early or never became ready. */
  PUSHBENCH_TARGET_SERVER: 'target server did not start',
} as const;

/** A stable error code, `PUSHBENCH_<WHAT>`. */
export type PushbenchErrorCode = keyof typeof ERROR_CODES;

/** Every code, in the order of ERROR_CODES. */
export const PUSHBENCH_ERROR_CODES = Object.freeze(Object.keys(ERROR_CODES) as PushbenchErrorCode[]);

/** The base of every error pushbench raises on purpose: a stable `code`, an exact message, a `cause`. */
export class PushbenchError<C extends PushbenchErrorCode = PushbenchErrorCode> extends Error {
  readonly code: C;

  constructor(code: C, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    // The subclass's own name (`ConfigError: ...` in a stack trace), without each one setting it.
    this.name = new.target.name;
  }
}

/** `"abc"`, `12`, `true`, `null`: a received value as it appears in messages. */
export function showReceived(input: unknown): string {
  return JSON.stringify(input) ?? String(input);
}

/** What a failed write was about, in words, with the system's code: "read-only file system (EROFS)". */
export function describeWriteError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const words: Record<string, string> = {
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOTDIR: 'a part of the path is a file, not a folder',
    EISDIR: 'the path is a folder',
    EIO: 'input/output error',
    EMFILE: 'too many open files',
    ENAMETOOLONG: 'the path is too long',
  };
  const text = code !== undefined ? words[code] : undefined;
  if (text !== undefined) return `${text} (${code})`;
  return error instanceof Error ? error.message : String(error);
}

/** A flag, config-file value or command line that cannot be used; the message names the option, the value received and what is allowed. */
export class ConfigError extends PushbenchError<'PUSHBENCH_INVALID_CONFIG'> {
  constructor(message: string, options?: ErrorOptions) {
    super('PUSHBENCH_INVALID_CONFIG', message, options);
  }

  /** `invalid --rate: received "-1"; expected a number > 0`: the one shape of a bad value. */
  static invalid(label: string, received: string, allowed: string): ConfigError {
    return new ConfigError(`invalid ${label}: received ${received}; ${allowed}`);
  }
}

/** Why a results file could not be used; the message names the file (and the JSON path). */
export class ResultsFileError extends PushbenchError<
  'PUSHBENCH_RESULTS_UNREADABLE' | 'PUSHBENCH_RESULTS_JSON' | 'PUSHBENCH_RESULTS_SCHEMA' | 'PUSHBENCH_RESULTS_VERSION'
> {}

/** A server child process that died, could not start, or reported a fatal error. */
export class ServerCrashedError extends PushbenchError<'PUSHBENCH_SERVER_CRASHED'> {
  constructor(message: string, options?: ErrorOptions) {
    super('PUSHBENCH_SERVER_CRASHED', message, options);
  }
}

/** A load generator child process that died or reported a fatal error. */
export class GeneratorCrashedError extends PushbenchError<'PUSHBENCH_GENERATOR_CRASHED'> {
  constructor(message: string, options?: ErrorOptions) {
    super('PUSHBENCH_GENERATOR_CRASHED', message, options);
  }
}

/** A child process that did not answer a request within its timeout; the message names the process, the request and the time. */
export class ChildTimeoutError extends PushbenchError<'PUSHBENCH_CHILD_TIMEOUT'> {
  constructor(message: string, options?: ErrorOptions) {
    super('PUSHBENCH_CHILD_TIMEOUT', message, options);
  }
}

/** A step of a technique run that cannot go on; the runner turns it into a `failed` result with this message. */
export class RunStepError<
  C extends 'PUSHBENCH_RUN_STEP' | 'PUSHBENCH_OPEN_FILE_LIMIT' = 'PUSHBENCH_RUN_STEP' | 'PUSHBENCH_OPEN_FILE_LIMIT',
> extends PushbenchError<C> {
  constructor(message: string, options?: ErrorOptions & { code?: C }) {
    super(options?.code ?? ('PUSHBENCH_RUN_STEP' as C), message, options);
  }
}

/** A run that needs more sockets than the open-file limit (`ulimit -n`) allows; a run step error. */
export class OpenFileLimitError extends RunStepError<'PUSHBENCH_OPEN_FILE_LIMIT'> {
  constructor(message: string, options?: ErrorOptions) {
    super(message, { ...options, code: 'PUSHBENCH_OPEN_FILE_LIMIT' });
  }
}

/** The run was interrupted by a signal; the message names the signal. */
export class InterruptedError extends PushbenchError<'PUSHBENCH_INTERRUPTED'> {
  constructor(message: string, options?: ErrorOptions) {
    super('PUSHBENCH_INTERRUPTED', message, options);
  }
}

/** An output file (results.json, a report, a compare verdict) that could not be written; the message names the path and why. */
export class WriteError extends PushbenchError<'PUSHBENCH_WRITE_FAILED'> {
  /** The path that could not be written. */
  readonly path: string;

  constructor(path: string, message: string, options?: ErrorOptions) {
    super('PUSHBENCH_WRITE_FAILED', message, options);
    this.path = path;
  }
}

/** The target answered a client with an error: its status (or reason) and the first bytes of its answer. */
export class TargetRefusedError extends PushbenchError<'PUSHBENCH_TARGET_REFUSED'> {
  constructor(message: string, options?: ErrorOptions) {
    super('PUSHBENCH_TARGET_REFUSED', message, options);
  }
}

/** A target file that breaks the target schema: the JSON path, what was expected and what was received. */
export class TargetFileError extends PushbenchError<'PUSHBENCH_INVALID_TARGET'> {
  constructor(message: string, options?: ErrorOptions) {
    super('PUSHBENCH_INVALID_TARGET', message, options);
  }
}

/** A target's server command that exited early or never became ready, with its last lines of stderr. */
export class TargetServerError extends PushbenchError<'PUSHBENCH_TARGET_SERVER'> {
  constructor(message: string, options?: ErrorOptions) {
    super('PUSHBENCH_TARGET_SERVER', message, options);
  }
}
