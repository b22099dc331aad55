/**
 * Fuzzing with the inputs a hostile or broken peer sends beyond random bytes (those are in
 * frame-decoder.test.ts): length headers anywhere up to 4 GiB, containers that claim billions of
 * entries, nesting far beyond any message, valid messages with fields of the wrong type, unknown
 * message types, and a long stream of all of it, during which the decoder's buffer and the heap
 * stay bounded.
 */
import fc from "fast-check";
import { isSegnasError } from "@segnas/core";
import { decodeMessage, encodeFrame } from "./codec";
import { BadMessageError, FrameTooLargeError } from "./errors";
import { FrameDecoder } from "./frame-decoder";
import { MESSAGE_TYPES, type Message } from "./messages";
import { ALL_SAMPLES } from "./sample-messages.test-helper";
import { validateMessage } from "./validate";

const MAX = 64 * 1024;

function frameOf(body: Uint8Array, announced = body.length): Buffer {
  const f = Buffer.alloc(4 + body.length);
  f.writeUInt32BE(announced >>> 0, 0);
  Buffer.from(body).copy(f, 4);
  return f;
}

/** Every error a decoder may throw is one of the protocol's typed errors. */
function expectTyped(e: unknown): void {
  expect(isSegnasError(e)).toBe(true);
  expect(["SEGNAS_E_BAD_MESSAGE", "SEGNAS_E_FRAME_TOO_LARGE", "SEGNAS_E_FRAME_TRUNCATED"]).toContain(
    (e as { code: string }).code,
  );
}

describe("hostile input", () => {
  it("any length header above the limit (up to 4 GiB - 1) fails at once, buffering nothing of the body", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: MAX + 1, max: 0xffffffff }),
        fc.uint8Array({ maxLength: 32 }),
        (len, rest) => {
          const d = new FrameDecoder({ maxFrameBytes: MAX });
          const header = Buffer.alloc(4);
          header.writeUInt32BE(len, 0);
          expect(() => d.push(Buffer.concat([header, rest]))).toThrow(FrameTooLargeError);
          expect(d.bufferedBytes).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a length within the limit buffers only the bytes that arrived, whatever the split", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX }),
        fc.array(fc.integer({ min: 1, max: 4096 }), { maxLength: 8 }),
        (len, pieces) => {
          const d = new FrameDecoder({ maxFrameBytes: MAX });
          const header = Buffer.alloc(4);
          header.writeUInt32BE(len, 0);
          d.push(header);
          let sent = 0;
          for (const p of pieces) {
            const n = Math.min(p, len - 1 - sent);
            if (n <= 0) break;
            d.push(Buffer.alloc(n, 0xc0));
            sent += n;
            expect(d.bufferedBytes).toBe(sent);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("containers claiming up to 2^32-1 entries or bytes are refused without allocating them", () => {
    // map32 / array32 / str32 / bin32 headers with huge counts, followed by a few bytes.
    const heads = [0xdf, 0xdd, 0xdb, 0xc6];
    fc.assert(
      fc.property(
        fc.constantFrom(...heads),
        fc.integer({ min: 1 << 16, max: 0xffffffff }),
        fc.uint8Array({ maxLength: 16 }),
        (head, count, rest) => {
          const body = Buffer.alloc(5 + rest.length);
          body[0] = head;
          body.writeUInt32BE(count, 1);
          Buffer.from(rest).copy(body, 5);
          const before = process.memoryUsage().arrayBuffers;
          expect(() => decodeMessage(body)).toThrow(BadMessageError);
          expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 << 20);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("nesting far beyond any message (up to 1,000,000 levels) is refused without blowing the stack", () => {
    fc.assert(
      fc.property(fc.integer({ min: 40, max: 1_000_000 }), fc.constantFrom(0x91, 0x81), (depth, opener) => {
        // fixarray(1) or fixmap(1) opened `depth` times (a map's key is a fixstr "k").
        const unit = opener === 0x91 ? Buffer.from([0x91]) : Buffer.from([0x81, 0xa1, 0x6b]);
        const body = Buffer.concat([Buffer.alloc(unit.length * depth).fill(unit), Buffer.from([0xc0])]);
        const d = new FrameDecoder({ maxFrameBytes: 8 << 20 });
        expect(() => d.push(frameOf(body))).toThrow(BadMessageError);
      }),
      { numRuns: 20 },
    );
  });

  it("huge but shallow values (a million-element array, a 4 MB string) are refused as messages", () => {
    const arr = Buffer.alloc(5 + 1_000_000, 0xc0);
    arr[0] = 0xdd;
    arr.writeUInt32BE(1_000_000, 1);
    expect(() => decodeMessage(arr)).toThrow(BadMessageError);
    const str = Buffer.alloc(5 + 4_000_000, 0x61);
    str[0] = 0xdb;
    str.writeUInt32BE(4_000_000, 1);
    expect(() => decodeMessage(str)).toThrow(BadMessageError);
    // A valid message type whose free text is far too long.
    const long = { type: "fail", trialId: 1, reason: "x".repeat(2_000_000) } as unknown as Message;
    expect(() => validateMessage(long)).toThrow(BadMessageError);
  });

  it("a valid message with any field replaced by a value of another type is valid or a BadMessageError", () => {
    const samples = ALL_SAMPLES.map((m) => m as unknown as Record<string, unknown>);
    fc.assert(
      fc.property(
        fc.constantFrom(...samples),
        fc.nat(),
        fc.oneof(
          fc.anything({ maxDepth: 3 }),
          fc.constantFrom(NaN, Infinity, -1, 2 ** 53, "", null, [], {}, true),
        ),
        (sample, pick, value) => {
          const keys = Object.keys(sample);
          const key = keys[pick % keys.length] as string;
          const mutated = { ...sample, [key]: value };
          try {
            validateMessage(mutated);
          } catch (e) {
            expect(e).toBeInstanceOf(BadMessageError);
            // the refusal names the field (or the message type when `type` itself was bad)
            expect((e as Error).message).toMatch(key === "type" ? /type/ : new RegExp(key));
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("unknown message types are refused, naming the type", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }).filter((t) => !(MESSAGE_TYPES as readonly string[]).includes(t)),
        (type) => {
          expect(() => validateMessage({ type })).toThrow(BadMessageError);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a long hostile stream keeps the decoder's buffer and the heap bounded", () => {
    const valid = Buffer.concat(ALL_SAMPLES.map((m) => encodeFrame(m)));
    const pieces = fc.oneof(
      fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
      fc.integer({ min: 0, max: 0xffffffff }).map((n) => {
        const h = Buffer.alloc(4);
        h.writeUInt32BE(n, 0);
        return h;
      }),
      fc.constant(valid),
    );
    const heapBefore = process.memoryUsage().heapUsed;
    let decoded = 0;
    let maxBuffered = 0;
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 40 }), fc.integer({ min: 1, max: 97 }), (stream, split) => {
        const d = new FrameDecoder({ maxFrameBytes: MAX });
        const all = Buffer.concat(stream);
        try {
          for (let i = 0; i < all.length; i += split) {
            decoded += d.push(all.subarray(i, i + split)).length;
            maxBuffered = Math.max(maxBuffered, d.bufferedBytes);
          }
        } catch (e) {
          expectTyped(e);
        }
      }),
      { numRuns: 400 },
    );
    expect(decoded).toBeGreaterThan(0);
    expect(maxBuffered).toBeLessThanOrEqual(MAX + 4);
    // Generous: what matters is that nothing grows with the input (no leak per connection/frame).
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(256 << 20);
  });
});
