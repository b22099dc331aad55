/**
 * Message <-> bytes. A frame is a big-endian u32 body length followed by a msgpack body. Bodies
 * are encoded by a plain msgpackr Packr (no records, no structured clones, no extensions) and
 * decoded only after `scanMsgpack` has proved they hold plain data; every decoded message is
 * then validated. Outgoing messages are validated too, so we never send what a peer would refuse.
 */
import { Packr, RESERVE_START_SPACE, Unpackr } from "msgpackr";
import { BadMessageError, FrameTooLargeError } from "./errors";
import type { Message } from "./messages";
import { scanMsgpack } from "./msgpack-scan";
import { validateMessage } from "./validate";
import { DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES, LIMITS } from "./version";

// Depth of the deepest honest message: snapshot.workers[i].capabilities is 4 levels, arch adds
// LIMITS.depth; a little slack on top.
const MAX_MSGPACK_DEPTH = LIMITS.depth + 8;

const SAFE_OPTIONS = {
  useRecords: false,
  structuredClone: false,
  moreTypes: false,
  mapsAsObjects: true,
  variableMapSize: true,
  int64AsType: "number" as const,
  // drop undefined-valued optional fields instead of msgpackr's undefined extension
  skipValues: [undefined],
};
const packr = new Packr(SAFE_OPTIONS as ConstructorParameters<typeof Packr>[0]);
const unpackr = new Unpackr(SAFE_OPTIONS as ConstructorParameters<typeof Unpackr>[0]);

export interface CodecOptions {
  /** Largest body accepted or produced, in bytes (default DEFAULT_MAX_FRAME_BYTES). */
  maxFrameBytes?: number;
}

/** Validates `msg` and encodes its msgpack body (no length prefix). */
export function encodeMessage(msg: Message): Buffer {
  validateMessage(msg);
  return packr.pack(msg);
}

/** Decodes and validates one msgpack body. Throws BadMessageError on anything but a valid message. */
export function decodeMessage(body: Uint8Array): Message {
  scanMsgpack(body, MAX_MSGPACK_DEPTH);
  let value: unknown;
  try {
    value = unpackr.unpack(body);
  } catch (e) {
    throw new BadMessageError(`frame body is not valid msgpack: ${(e as Error).message}`);
  }
  return validateMessage(value);
}

/** Validates and encodes `msg` as one frame: u32 big-endian body length, then the body. */
export function encodeFrame(msg: Message, options: CodecOptions = {}): Buffer {
  const max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  validateMessage(msg);
  // msgpackr leaves room for the length in front of the body: one buffer per frame, no copy.
  const frame = packr.pack(msg, RESERVE_START_SPACE | FRAME_HEADER_BYTES);
  const bodyLength = frame.length - FRAME_HEADER_BYTES;
  if (bodyLength > max) throw new FrameTooLargeError(bodyLength, max, false);
  frame.writeUInt32BE(bodyLength, 0);
  return frame;
}
