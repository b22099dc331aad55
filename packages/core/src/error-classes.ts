/**
 * One error class per catalogue code (error-codes.ts), as undici's and fastify's catalogues do:
 * each class fixes its code (and so its exit status), takes the message and the data a caller
 * needs to act on it, and can be told apart with `instanceof`. Packages may subclass one to
 * narrow its data (config's ConfigError, trainer's DataError); they never invent a code.
 * `ERROR_CLASSES` maps every code to its class (a test checks the two agree, both ways).
 */
import type { ErrorCode } from "./error-codes";
import { SegnasError } from "./errors";

type Data = Record<string, unknown>;
type Options = { cause?: unknown };
/** SEGNAS_E_INVALID_TOKENS. */
export class InvalidTokensError<
  D extends Data = {
    space: string;
    position?: number;
    name?: string;
    value?: unknown;
    low?: number;
    high?: number;
    expectedLength?: number;
    actualLength?: number;
  },
> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_INVALID_TOKENS", message, data, options);
  }
}
/** SEGNAS_E_UNKNOWN_SPACE. */
export class UnknownSpaceError<D extends Data = { name: unknown; known: string[] }> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_UNKNOWN_SPACE", message, data, options);
  }
}
/** SEGNAS_E_UNKNOWN_STRATEGY. */
export class UnknownStrategyError<
  D extends Data = { name: unknown; known: string[] },
> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_UNKNOWN_STRATEGY", message, data, options);
  }
}
/** SEGNAS_E_SEARCH_EXHAUSTED. */
export class SearchExhaustedError<
  D extends Data = { strategy?: string; tries?: number; reason: string; completed?: number },
> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_SEARCH_EXHAUSTED", message, data, options);
  }
}
/** SEGNAS_E_BAD_STATE. */
export class BadStateError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_BAD_STATE", message, data, options);
  }
}
/** SEGNAS_E_BAD_ARGUMENT. */
export class BadArgumentError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_BAD_ARGUMENT", message, data, options);
  }
}
/** SEGNAS_E_BAD_TABLE. */
export class BadTableError<
  D extends Data = { source: string; line?: number; column?: string },
> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_BAD_TABLE", message, data, options);
  }
}
/** SEGNAS_E_CONFIG. */
export class ConfigError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_CONFIG", message, data, options);
  }
}
/** SEGNAS_E_CONFIG_UNKNOWN_KEY. */
export class UnknownConfigKeyError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_CONFIG_UNKNOWN_KEY", message, data, options);
  }
}
/** SEGNAS_E_FRAME_TOO_LARGE. */
export class FrameTooLargeError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_FRAME_TOO_LARGE", message, data, options);
  }
}
/** SEGNAS_E_FRAME_TRUNCATED. */
export class FrameTruncatedError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_FRAME_TRUNCATED", message, data, options);
  }
}
/** SEGNAS_E_BAD_MESSAGE. */
export class BadMessageError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_BAD_MESSAGE", message, data, options);
  }
}
/** SEGNAS_E_PROTOCOL_VERSION. */
export class ProtocolVersionError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_PROTOCOL_VERSION", message, data, options);
  }
}
/** SEGNAS_E_AUTH. */
export class AuthError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_AUTH", message, data, options);
  }
}
/** SEGNAS_E_UNEXPECTED_MESSAGE. */
export class UnexpectedMessageError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_UNEXPECTED_MESSAGE", message, data, options);
  }
}
/** SEGNAS_E_UNKNOWN_TRIAL. */
export class UnknownTrialError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_UNKNOWN_TRIAL", message, data, options);
  }
}
/** SEGNAS_E_PORT_BUSY. */
export class PortBusyError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_PORT_BUSY", message, data, options);
  }
}
/** SEGNAS_E_CONNECT. */
export class ConnectError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_CONNECT", message, data, options);
  }
}
/** SEGNAS_E_PEER_GONE. */
export class PeerGoneError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_PEER_GONE", message, data, options);
  }
}
/** SEGNAS_E_TIMEOUT. */
export class TimeoutError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_TIMEOUT", message, data, options);
  }
}
/** SEGNAS_E_JOURNAL_CORRUPT. */
export class JournalCorruptError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_JOURNAL_CORRUPT", message, data, options);
  }
}
/** SEGNAS_E_JOURNAL_MISMATCH. */
export class JournalMismatchError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_JOURNAL_MISMATCH", message, data, options);
  }
}
/** SEGNAS_E_JOURNAL_LOCKED. */
export class JournalLockedError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_JOURNAL_LOCKED", message, data, options);
  }
}
/** SEGNAS_E_JOURNAL_WRITE. */
export class JournalWriteError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_JOURNAL_WRITE", message, data, options);
  }
}
/** SEGNAS_E_DATA. */
export class DataError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_DATA", message, data, options);
  }
}
/** SEGNAS_E_BACKEND. */
export class BackendError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_BACKEND", message, data, options);
  }
}
/** SEGNAS_E_MODEL. */
export class ModelError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_MODEL", message, data, options);
  }
}
/** SEGNAS_E_TRAINING. */
export class TrainingError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_TRAINING", message, data, options);
  }
}
/** SEGNAS_E_INTERNAL. */
export class InternalError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_INTERNAL", message, data, options);
  }
}
/** SEGNAS_E_SEARCH_FAILED. */
export class SearchFailedError<
  D extends Data = { reason: string; failed: number; runDir?: string },
> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_SEARCH_FAILED", message, data, options);
  }
}
/** SEGNAS_E_WORKER_FAILED. */
export class WorkerFailedError<
  D extends Data = { workerId: string; failures: number; lastReason: string },
> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_WORKER_FAILED", message, data, options);
  }
}
/** SEGNAS_E_RUN_DIR. */
export class RunDirError<
  D extends Data = { runDir: string; path?: string; freeBytes?: number; reason?: string },
> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_RUN_DIR", message, data, options);
  }
}
/** SEGNAS_E_TLS. */
export class TlsError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_TLS", message, data, options);
  }
}
/** SEGNAS_E_INSECURE. */
export class InsecureServerError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_INSECURE", message, data, options);
  }
}
/** SEGNAS_E_EXPORT. */
export class ExportError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_EXPORT", message, data, options);
  }
}
/** SEGNAS_E_TOO_MANY_CONNECTIONS. */
export class TooManyConnectionsError<D extends Data = Data> extends SegnasError<D> {
  constructor(message: string, data: D = {} as D, options: Options = {}) {
    super("SEGNAS_E_TOO_MANY_CONNECTIONS", message, data, options);
  }
}
/** A catalogue error class: message, data and options in, its own code out. */
export type SegnasErrorClass = new (message: string, data?: Data, options?: Options) => SegnasError;

/** Every code's class (the mapped type makes a missing or extra code a compile error). */
export const ERROR_CLASSES: { readonly [C in ErrorCode]: SegnasErrorClass } = {
  SEGNAS_E_INVALID_TOKENS: InvalidTokensError,
  SEGNAS_E_UNKNOWN_SPACE: UnknownSpaceError,
  SEGNAS_E_UNKNOWN_STRATEGY: UnknownStrategyError,
  SEGNAS_E_SEARCH_EXHAUSTED: SearchExhaustedError,
  SEGNAS_E_BAD_STATE: BadStateError,
  SEGNAS_E_BAD_ARGUMENT: BadArgumentError,
  SEGNAS_E_BAD_TABLE: BadTableError,
  SEGNAS_E_CONFIG: ConfigError,
  SEGNAS_E_CONFIG_UNKNOWN_KEY: UnknownConfigKeyError,
  SEGNAS_E_FRAME_TOO_LARGE: FrameTooLargeError,
  SEGNAS_E_FRAME_TRUNCATED: FrameTruncatedError,
  SEGNAS_E_BAD_MESSAGE: BadMessageError,
  SEGNAS_E_PROTOCOL_VERSION: ProtocolVersionError,
  SEGNAS_E_AUTH: AuthError,
  SEGNAS_E_UNEXPECTED_MESSAGE: UnexpectedMessageError,
  SEGNAS_E_UNKNOWN_TRIAL: UnknownTrialError,
  SEGNAS_E_PORT_BUSY: PortBusyError,
  SEGNAS_E_CONNECT: ConnectError,
  SEGNAS_E_PEER_GONE: PeerGoneError,
  SEGNAS_E_TIMEOUT: TimeoutError,
  SEGNAS_E_JOURNAL_CORRUPT: JournalCorruptError,
  SEGNAS_E_JOURNAL_MISMATCH: JournalMismatchError,
  SEGNAS_E_JOURNAL_LOCKED: JournalLockedError,
  SEGNAS_E_JOURNAL_WRITE: JournalWriteError,
  SEGNAS_E_DATA: DataError,
  SEGNAS_E_BACKEND: BackendError,
  SEGNAS_E_MODEL: ModelError,
  SEGNAS_E_TRAINING: TrainingError,
  SEGNAS_E_INTERNAL: InternalError,
  SEGNAS_E_SEARCH_FAILED: SearchFailedError,
  SEGNAS_E_WORKER_FAILED: WorkerFailedError,
  SEGNAS_E_RUN_DIR: RunDirError,
  SEGNAS_E_TLS: TlsError,
  SEGNAS_E_INSECURE: InsecureServerError,
  SEGNAS_E_EXPORT: ExportError,
  SEGNAS_E_TOO_MANY_CONNECTIONS: TooManyConnectionsError,
};

/** A catalogue error for `code` (e.g. rebuilding one that crossed a process boundary). */
export function errorForCode(
  code: ErrorCode,
  message: string,
  data: Data = {},
  options: Options = {},
): SegnasError {
  return new ERROR_CLASSES[code](message, data, options);
}
