/**
 * Streaming frame decoder: push chunks of any size (one byte at a time works) and get back the
 * complete, validated messages. An announced length over the limit fails before any of the body
 * is buffered. After the first error the decoder is poisoned: the stream position is unknown,
 * so every later push rethrows that error.
 */
import type { SegnasError } from "@segnas/core";
import { decodeMessage } from "./codec";
import { FrameTooLargeError, FrameTruncatedError } from "./errors";
import type { Message } from "./messages";
import { DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES } from "./version";

export interface FrameDecoderOptions {
  /** Largest body accepted, in bytes (default DEFAULT_MAX_FRAME_BYTES). */
  maxFrameBytes?: number;
}

export class FrameDecoder {
  readonly maxFrameBytes: number;
  // Pending bytes as a list of chunks, so byte-by-byte input stays linear-time.
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Body length of the frame being read, once its header is complete. */
  private expected: number | null = null;
  private failed: SegnasError | null = null;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Bytes received and not yet part of a complete frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * Adds bytes; returns the messages completed by them, in order. Throws FrameTooLargeError or
   * BadMessageError (messages completed earlier in the same chunk are lost with it: the
   * connection is dead anyway).
   */
  push(chunk: Uint8Array): Message[] {
    if (this.failed) throw this.failed;
    if (chunk.length === 0) return [];
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    this.chunks.push(buf);
    this.buffered += buf.length;
    const out: Message[] = [];
    try {
      for (;;) {
        if (this.expected === null) {
          if (this.buffered < FRAME_HEADER_BYTES) break;
          const length = this.take(FRAME_HEADER_BYTES).readUInt32BE(0);
          if (length > this.maxFrameBytes) throw new FrameTooLargeError(length, this.maxFrameBytes);
          this.expected = length;
        }
        if (this.buffered < this.expected) break;
        const body = this.take(this.expected);
        this.expected = null;
        out.push(decodeMessage(body));
      }
    } catch (e) {
      this.failed = e as SegnasError;
      this.chunks = [];
      this.buffered = 0;
      throw e;
    }
    return out;
  }

  /** The input ended: throws FrameTruncatedError if it ended inside a frame. */
  end(): void {
    if (this.failed) throw this.failed;
    if (this.buffered > 0 || this.expected !== null) {
      const err = new FrameTruncatedError(
        this.buffered + (this.expected === null ? 0 : FRAME_HEADER_BYTES),
        this.expected === null ? null : this.expected + FRAME_HEADER_BYTES,
      );
      this.failed = err;
      throw err;
    }
  }

  /** Removes and returns the first n buffered bytes (n <= buffered). */
  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) {
      this.buffered -= n;
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const all = Buffer.concat(this.chunks, this.buffered);
    this.buffered -= n;
    this.chunks = this.buffered > 0 ? [all.subarray(n)] : [];
    return all.subarray(0, n);
  }
}
