import fc from "fast-check";
import { Packr } from "msgpackr";
import { isSegnasError } from "@segnas/core";
import { encodeFrame } from "./codec";
import { BadMessageError, FrameTooLargeError, FrameTruncatedError } from "./errors";
import { FrameDecoder } from "./frame-decoder";
import { MESSAGE_TYPES, type Message } from "./messages";
import { ALL_SAMPLES, SAMPLES } from "./sample-messages.test-helper";

const STREAM = Buffer.concat(ALL_SAMPLES.map((m) => encodeFrame(m)));

function decodeAll(chunks: Uint8Array[], options = {}): Message[] {
  const d = new FrameDecoder(options);
  const out: Message[] = [];
  for (const c of chunks) out.push(...d.push(c));
  d.end();
  return out;
}

/** Splits `buf` at the given cut points. */
function split(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

describe("FrameDecoder", () => {
  it("decodes a stream pushed whole", () => {
    expect(decodeAll([STREAM])).toEqual(ALL_SAMPLES);
  });

  it("decodes a stream pushed byte by byte", () => {
    const bytes = [...STREAM].map((b) => Uint8Array.of(b));
    expect(decodeAll(bytes)).toEqual(ALL_SAMPLES);
  });

  it("decodes the same under random chunk splits (fuzz)", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
        expect(decodeAll(split(STREAM, cuts))).toEqual(ALL_SAMPLES);
      }),
      { numRuns: 200 },
    );
  });

  it("throws only typed errors on random bytes and always returns (fuzz)", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
        const d = new FrameDecoder({ maxFrameBytes: 1024 });
        try {
          for (const c of chunks) d.push(c);
          d.end();
        } catch (e) {
          expect(isSegnasError(e)).toBe(true);
          expect(
            e instanceof BadMessageError ||
              e instanceof FrameTooLargeError ||
              e instanceof FrameTruncatedError,
          ).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("throws only BadMessageError on random bodies in well-formed frames (fuzz)", () => {
    const packr = new Packr({ structuredClone: true, moreTypes: true });
    const bodies = fc.oneof(
      fc.uint8Array({ maxLength: 256 }),
      fc
        .anything({ withBigInt: false, withDate: true, withMap: true, withSet: true, withTypedArray: true })
        .map((v) => packr.pack(v)),
      fc
        .record({ type: fc.constantFrom(...MESSAGE_TYPES) }, { requiredKeys: [] })
        .chain((base) =>
          fc
            .dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }))
            .map((rest) => packr.pack({ ...rest, ...base })),
        ),
    );
    fc.assert(
      fc.property(bodies, (body) => {
        const frame = Buffer.alloc(4 + body.length);
        frame.writeUInt32BE(body.length, 0);
        Buffer.from(body).copy(frame, 4);
        try {
          const msgs = decodeAll([frame]);
          expect(msgs).toHaveLength(1);
        } catch (e) {
          expect(e).toBeInstanceOf(BadMessageError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("throws only typed errors on mutated valid frames (fuzz)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        (edits) => {
          const buf = Buffer.from(STREAM);
          for (const [i, b] of edits) buf[4 + (i % (buf.length - 4))] = b;
          try {
            decodeAll([buf]);
          } catch (e) {
            expect(
              e instanceof BadMessageError ||
                e instanceof FrameTooLargeError ||
                e instanceof FrameTruncatedError,
            ).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("fails on an oversized length before the body arrives", () => {
    const d = new FrameDecoder({ maxFrameBytes: 100 });
    const header = Buffer.alloc(4);
    header.writeUInt32BE(101, 0);
    expect(() => d.push(header)).toThrow(FrameTooLargeError);
    expect(d.bufferedBytes).toBe(0);
    // poisoned: later input rethrows
    expect(() => d.push(Buffer.from([1]))).toThrow(FrameTooLargeError);
  });

  it("names sizes in the too-large error", () => {
    const d = new FrameDecoder();
    try {
      d.push(Buffer.from([0xff, 0xff, 0xff, 0xff]));
      throw new Error("no throw");
    } catch (e) {
      expect(e).toBeInstanceOf(FrameTooLargeError);
      expect((e as FrameTooLargeError).data).toEqual({ length: 0xffffffff, maxFrameBytes: 4 * 1024 * 1024 });
      expect((e as Error).message).toMatch(/4294967295 bytes exceeds the limit of 4194304/);
    }
  });

  it("enforces the limit on encode too", () => {
    expect(() => encodeFrame(SAMPLES.tell, { maxFrameBytes: 10 })).toThrow(FrameTooLargeError);
  });

  it.each([1, 3, 4, 10])("reports a stream truncated after %i bytes of a frame", (n) => {
    const frame = encodeFrame(SAMPLES.trial);
    const d = new FrameDecoder();
    expect(d.push(frame.subarray(0, n))).toEqual([]);
    expect(() => d.end()).toThrow(FrameTruncatedError);
  });

  it("ends cleanly between frames", () => {
    const d = new FrameDecoder();
    expect(d.push(encodeFrame(SAMPLES.ask))).toEqual([SAMPLES.ask]);
    expect(() => d.end()).not.toThrow();
  });

  it("rejects a frame whose body is junk", () => {
    const d = new FrameDecoder();
    expect(() => d.push(Buffer.from([0, 0, 0, 2, 0xc1, 0xc1]))).toThrow(BadMessageError);
  });

  it("accepts an empty-bodied frame only as an error", () => {
    expect(() => new FrameDecoder().push(Buffer.from([0, 0, 0, 0]))).toThrow(BadMessageError);
  });
});
