/**
 * Protocol version and the limits every peer enforces. The version is a single integer:
 * peers with different versions refuse each other at hello (see docs/protocol.md for the rules).
 */

/** Bumped on any change an older peer would misread; adding an optional field does not bump it. */
export const PROTOCOL_VERSION = 1;

/** Default largest frame body (bytes) a peer accepts; configurable per channel/decoder. */
export const DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;

/** Bytes of the big-endian u32 length prefix in front of every frame body. */
export const FRAME_HEADER_BYTES = 4;

/**
 * Bounds the validators enforce. They are generous for honest peers and keep a hostile or
 * broken one from making us allocate or loop without limit.
 */
export const LIMITS = {
  /** Identifiers: workerId, sessionId, studyId, space/strategy names, backend names. */
  idLength: 256,
  /** Free text: reasons, error messages, device descriptions. */
  textLength: 16 * 1024,
  /** Tokens per architecture. */
  tokens: 4096,
  /** Points in a training curve. */
  curve: 100_000,
  /** Entries in a metrics record. */
  metrics: 1024,
  /** Length of a metric name. */
  metricName: 128,
  /** Workers and recent trials listed in a status snapshot. */
  snapshotWorkers: 10_000,
  snapshotTrials: 10_000,
  /** Nesting depth of free-form JSON (arch, error data) and of any msgpack body. */
  depth: 32,
  /** Hex characters of a challenge nonce (16..64 random bytes). */
  nonceMinHex: 32,
  nonceMaxHex: 128,
} as const;
