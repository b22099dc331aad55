/**
 * Two connected in-memory Duplex streams: what one writes, the other reads. For tests (here and
 * in other packages) that need a "socket" without the network.
 */
import { Duplex } from "node:stream";

export interface DuplexPairOptions {
  /**
   * Split every written chunk into pieces of at most this many bytes before delivery, to
   * exercise stream reassembly (1 = byte by byte). Default: deliver chunks whole.
   */
  chunkBytes?: number;
}

class PairEnd extends Duplex {
  other!: PairEnd;
  private readonly chunkBytes: number;

  constructor(chunkBytes: number) {
    super({ allowHalfOpen: false });
    this.chunkBytes = chunkBytes;
  }

  override _read(): void {
    // Data is pushed by the other end's _write; nothing to pull.
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const step = this.chunkBytes;
    // Deliver asynchronously, like a socket: a write never re-enters the reader synchronously.
    setImmediate(() => {
      if (this.other.destroyed) return cb();
      if (step > 0 && chunk.length > step) {
        for (let i = 0; i < chunk.length; i += step) this.other.push(chunk.subarray(i, i + step));
      } else {
        this.other.push(chunk);
      }
      cb();
    });
  }

  override _final(cb: (err?: Error | null) => void): void {
    setImmediate(() => {
      if (!this.other.destroyed) this.other.push(null);
      cb();
    });
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    // Like a reset socket: the other side sees its readable end and then closes.
    setImmediate(() => {
      if (!this.other.destroyed) {
        this.other.push(null);
        this.other.end();
      }
    });
    cb(err);
  }
}

/** Returns `[a, b]`: bytes written to `a` are read from `b` and vice versa. */
export function createDuplexPair(options: DuplexPairOptions = {}): [Duplex, Duplex] {
  const chunkBytes = options.chunkBytes ?? 0;
  const a = new PairEnd(chunkBytes);
  const b = new PairEnd(chunkBytes);
  a.other = b;
  b.other = a;
  return [a, b];
}
