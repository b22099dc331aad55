/**
 * Typed errors of the wire protocol. Codes come from core's catalogue; `data` carries what a
 * caller needs to act (the offending field, the sizes, the versions).
 */
import { SegnasError, isErrorCode, type ErrorCode } from "@segnas/core";

/**
 * A frame over the size limit: one received announced it in its header (raised before the body is
 * buffered), or one about to be sent would be.
 */
export class FrameTooLargeError extends SegnasError<{ length: number; maxFrameBytes: number }> {
  constructor(length: number, maxFrameBytes: number, received = true) {
    super(
      "SEGNAS_E_FRAME_TOO_LARGE",
      `frame of ${length} bytes exceeds the limit of ${maxFrameBytes} bytes; ` +
        (received
          ? `segnas never sends messages that large, so the peer is probably not speaking the segnas ` +
            `protocol${asciiHint(length)}: check the address and port`
          : `send a smaller message`),
      { length, maxFrameBytes },
    );
  }
}

/** ' (its first bytes read "HTTP")' when a length prefix is really text, as it is from most services. */
function asciiHint(length: number): string {
  const bytes = [length >>> 24, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff];
  if (!bytes.every((b) => b >= 0x20 && b < 0x7f)) return "";
  return ` (its first bytes read ${JSON.stringify(String.fromCharCode(...bytes))})`;
}

/** The stream ended inside a frame (header or body incomplete). */
export class FrameTruncatedError extends SegnasError<{
  bufferedBytes: number;
  expectedBytes: number | null;
}> {
  constructor(bufferedBytes: number, expectedBytes: number | null) {
    super(
      "SEGNAS_E_FRAME_TRUNCATED",
      expectedBytes === null
        ? `stream ended inside a frame header (${bufferedBytes} of 4 bytes); the peer closed mid-message`
        : `stream ended inside a frame (${bufferedBytes} of ${expectedBytes} bytes); the peer closed mid-message`,
      { bufferedBytes, expectedBytes },
    );
  }
}

/** A frame body is not msgpack, not plain data, or not a valid message; `field` names the culprit. */
export class BadMessageError extends SegnasError<{ field?: string; messageType?: string }> {
  constructor(message: string, data: { field?: string; messageType?: string } = {}) {
    super("SEGNAS_E_BAD_MESSAGE", message, data);
  }
}

/** Peers speak different protocol versions. */
export class ProtocolVersionError extends SegnasError<{ ours: number; theirs: number }> {
  constructor(ours: number, theirs: number) {
    super(
      "SEGNAS_E_PROTOCOL_VERSION",
      `peer speaks protocol version ${theirs}, this side speaks ${ours}; run the same segnas version on server and workers`,
      { ours, theirs },
    );
  }
}

/** Shared-secret authentication failed (missing or wrong proof, or a secret the other side lacks). */
export class AuthError extends SegnasError<{ workerId?: string }> {
  constructor(message: string, data: { workerId?: string } = {}) {
    super("SEGNAS_E_AUTH", message, data);
  }
}

/** A valid message arrived where the conversation did not allow it. */
export class UnexpectedMessageError extends SegnasError<{ got: string; expected: string[] }> {
  constructor(got: string, expected: readonly string[], context = "") {
    super(
      "SEGNAS_E_UNEXPECTED_MESSAGE",
      `unexpected message "${got}"${context ? ` ${context}` : ""}; expected ${expected.map((e) => `"${e}"`).join(" or ")}`,
      { got, expected: [...expected] },
    );
  }
}

/** The connection closed (or was closed) while something still waited on it. */
export class PeerGoneError extends SegnasError<{ reason: string }> {
  constructor(reason: string) {
    super("SEGNAS_E_PEER_GONE", `connection closed: ${reason}`, { reason });
  }
}

/** A request got no reply in time. */
export class RequestTimeoutError extends SegnasError<{ type: string; timeoutMs: number }> {
  constructor(type: string, timeoutMs: number) {
    super(
      "SEGNAS_E_TIMEOUT",
      `no reply to "${type}" within ${timeoutMs} ms; the peer is overloaded or gone`,
      { type, timeoutMs },
    );
  }
}

/**
 * An `error` frame from the peer, raised locally (e.g. by `request`). `code` is the peer's code
 * when this side knows it, else SEGNAS_E_INTERNAL with the peer's code in `data.remoteCode`.
 */
export class RemoteError extends SegnasError<{ remoteCode: string; remoteData?: Record<string, unknown> }> {
  constructor(remoteCode: string, message: string, remoteData?: Record<string, unknown>) {
    const code: ErrorCode = isErrorCode(remoteCode) ? remoteCode : "SEGNAS_E_INTERNAL";
    super(code, message, remoteData === undefined ? { remoteCode } : { remoteCode, remoteData });
  }
}
