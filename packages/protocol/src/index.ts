/**
 * @segnas/protocol — the segnas wire protocol (documented in docs/protocol.md):
 * - message types: one discriminated union `Message` on `type`, with `PROTOCOL_VERSION`;
 * - framing: u32 big-endian body length + msgpack body (`encodeFrame`, streaming `FrameDecoder`),
 *   plain data only, every message validated on arrival (`validateMessage`);
 * - `MessageChannel`: send / request / reply / receive / async iteration over any Duplex;
 * - handshake with optional shared-secret challenge-response (`clientHandshake`, `serverHandshake`);
 * - TLS between hosts: `readTlsServerOptions`, `readTlsClientOptions` (PEM files checked up front),
 *   `describeTlsClientError` (a certificate failure as one clear, permanent error);
 * - `createDuplexPair()` for tests.
 */
export * from "./version";
export * from "./messages";
export * from "./errors";
export { validateMessage } from "./validate";
export { encodeFrame, encodeMessage, decodeMessage, type CodecOptions } from "./codec";
export { FrameDecoder, type FrameDecoderOptions } from "./frame-decoder";
export { MessageChannel, errorMessage, type ChannelOptions, type CloseInfo } from "./channel";
export { createNonce, computeAuthProof, verifyAuthProof, NONCE_BYTES } from "./auth";
export {
  clientHandshake,
  serverHandshake,
  type ClientHandshakeOptions,
  type ServerHandshakeOptions,
} from "./handshake";
export { createDuplexPair, type DuplexPairOptions } from "./duplex-pair";
export {
  readTlsServerOptions,
  readTlsClientOptions,
  describeTlsClientError,
  type TlsServerFiles,
  type TlsClientFiles,
  type TlsClientOptions,
} from "./tls";
