/**
 * The catalogue of stable error codes. Every SegnasError carries one of these; wire error
 * frames carry them too. Codes never change meaning once released: add, do not rename.
 * `exitCode` is what the CLI exits with when such an error ends a command.
 */
export const ERROR_CODES = {
  // search spaces and strategies
  SEGNAS_E_INVALID_TOKENS: {
    name: "InvalidTokensError",
    exitCode: 2,
    doc: "Tokens do not fit the search space.",
  },
  SEGNAS_E_UNKNOWN_SPACE: { name: "UnknownSpaceError", exitCode: 2, doc: "No search space of that name." },
  SEGNAS_E_UNKNOWN_STRATEGY: { name: "UnknownStrategyError", exitCode: 2, doc: "No strategy of that name." },
  SEGNAS_E_SEARCH_EXHAUSTED: {
    name: "SearchExhaustedError",
    exitCode: 3,
    doc: "No new candidate satisfies the constraints.",
  },
  SEGNAS_E_BAD_STATE: { name: "BadStateError", exitCode: 2, doc: "A serialised state cannot be restored." },
  SEGNAS_E_BAD_ARGUMENT: { name: "BadArgumentError", exitCode: 2, doc: "An argument is out of its domain." },
  SEGNAS_E_BAD_TABLE: { name: "BadTableError", exitCode: 2, doc: "A benchmark table is malformed." },
  // configuration
  SEGNAS_E_CONFIG: { name: "ConfigError", exitCode: 2, doc: "A config file or override is invalid." },
  SEGNAS_E_CONFIG_UNKNOWN_KEY: {
    name: "UnknownConfigKeyError",
    exitCode: 2,
    doc: "A config key does not exist.",
  },
  // protocol
  SEGNAS_E_FRAME_TOO_LARGE: {
    name: "FrameTooLargeError",
    exitCode: 1,
    doc: "A frame exceeds the size limit.",
  },
  SEGNAS_E_FRAME_TRUNCATED: {
    name: "FrameTruncatedError",
    exitCode: 1,
    doc: "The stream ended inside a frame.",
  },
  SEGNAS_E_BAD_MESSAGE: {
    name: "BadMessageError",
    exitCode: 1,
    doc: "A frame does not decode to a valid message.",
  },
  SEGNAS_E_PROTOCOL_VERSION: {
    name: "ProtocolVersionError",
    exitCode: 1,
    doc: "Peers speak different protocol versions.",
  },
  SEGNAS_E_AUTH: { name: "AuthError", exitCode: 1, doc: "Shared-secret authentication failed." },
  SEGNAS_E_UNEXPECTED_MESSAGE: {
    name: "UnexpectedMessageError",
    exitCode: 1,
    doc: "A valid message arrived out of order.",
  },
  SEGNAS_E_UNKNOWN_TRIAL: {
    name: "UnknownTrialError",
    exitCode: 1,
    doc: "A message names a trial the server does not know.",
  },
  // network
  SEGNAS_E_PORT_BUSY: {
    name: "PortBusyError",
    exitCode: 4,
    doc: "The port stayed in use past the retry window.",
  },
  SEGNAS_E_CONNECT: { name: "ConnectError", exitCode: 4, doc: "The server could not be reached in time." },
  SEGNAS_E_PEER_GONE: { name: "PeerGoneError", exitCode: 4, doc: "The peer closed the connection." },
  SEGNAS_E_TIMEOUT: { name: "TimeoutError", exitCode: 4, doc: "The peer did not answer in time." },
  // deployment: TLS and exposure (issue 13)
  SEGNAS_E_TLS: {
    name: "TlsError",
    exitCode: 4,
    doc: "TLS files are unreadable or invalid, or the peer's certificate was not accepted.",
  },
  SEGNAS_E_INSECURE: {
    name: "InsecureServerError",
    exitCode: 2,
    doc: "The server would listen on a non-loopback address without a shared secret.",
  },
  SEGNAS_E_TOO_MANY_CONNECTIONS: {
    name: "TooManyConnectionsError",
    exitCode: 4,
    doc: "The server refused a connection: SEGNAS.MAX_CONNECTIONS(_PER_ADDRESS) reached.",
  },
  // journal
  SEGNAS_E_JOURNAL_CORRUPT: {
    name: "JournalCorruptError",
    exitCode: 5,
    doc: "The journal is damaged before its last line.",
  },
  SEGNAS_E_JOURNAL_MISMATCH: {
    name: "JournalMismatchError",
    exitCode: 5,
    doc: "The journal belongs to another study.",
  },
  SEGNAS_E_JOURNAL_LOCKED: {
    name: "JournalLockedError",
    exitCode: 5,
    doc: "Another process holds the run directory's journal lock.",
  },
  SEGNAS_E_JOURNAL_WRITE: {
    name: "JournalWriteError",
    exitCode: 5,
    doc: "Appending to the journal failed (I/O error; a full disk only stalls it): the server stops.",
  },
  // data and training
  SEGNAS_E_DATA: { name: "DataError", exitCode: 2, doc: "A dataset file is missing or corrupt." },
  SEGNAS_E_BACKEND: { name: "BackendError", exitCode: 6, doc: "No usable TensorFlow.js backend." },
  SEGNAS_E_MODEL: { name: "ModelError", exitCode: 6, doc: "The model does not match its architecture." },
  SEGNAS_E_TRAINING: {
    name: "TrainingError",
    exitCode: 7,
    doc: "A trial failed while training (NaN, OOM, crash).",
  },
  SEGNAS_E_EXPORT: {
    name: "ExportError",
    exitCode: 2,
    doc: "segnas export: the run directory has no such trial, or no trained model of it on this host.",
  },
  SEGNAS_E_INTERNAL: { name: "InternalError", exitCode: 70, doc: "A bug in segnas: please report it." },
  // how a search or a worker ended
  SEGNAS_E_SEARCH_FAILED: {
    name: "SearchFailedError",
    exitCode: 8,
    doc: "The search ended without a single completed trial.",
  },
  SEGNAS_E_WORKER_FAILED: {
    name: "WorkerFailedError",
    exitCode: 9,
    doc: "A worker failed trials in a row for reasons of its own (data, backend, disk) and stopped.",
  },
  SEGNAS_E_RUN_DIR: {
    name: "RunDirError",
    exitCode: 5,
    doc: "The run directory cannot be written or has no free space.",
  },
} as const satisfies Record<string, { name: string; exitCode: number; doc: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(x: unknown): x is ErrorCode {
  return typeof x === "string" && Object.prototype.hasOwnProperty.call(ERROR_CODES, x);
}
