import { Packr } from "msgpackr";
import { decodeMessage, encodeFrame, encodeMessage } from "./codec";
import { BadMessageError } from "./errors";
import { MESSAGE_TYPES, type Message } from "./messages";
import { validateMessage } from "./validate";
import { ALL_SAMPLES, SAMPLES } from "./sample-messages.test-helper";

const raw = new Packr({
  useRecords: false,
  structuredClone: false,
  skipValues: [undefined],
} as ConstructorParameters<typeof Packr>[0]);

/** Encodes an arbitrary value as a body, bypassing validation. */
function body(value: unknown): Buffer {
  return raw.pack(value);
}

function expectBad(value: unknown, fieldPattern: RegExp | string): void {
  let err: unknown;
  try {
    decodeMessage(body(value));
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(BadMessageError);
  expect((err as Error).message).toMatch(fieldPattern);
}

describe("fail.fault", () => {
  it.each(["architecture", "worker"])("accepts fault %s", (fault) => {
    const msg = { type: "fail", trialId: 3, reason: "no data", code: "SEGNAS_E_DATA", fault };
    expect(decodeMessage(encodeFrame(msg as Message).subarray(4))).toEqual(msg);
  });

  it("is optional: a fail without it (older peers) stays without it", () => {
    expect(decodeMessage(body({ type: "fail", trialId: 3, reason: "r" }))).toEqual({
      type: "fail",
      trialId: 3,
      reason: "r",
    });
  });

  it.each([["server"], [1], [null], [""]])("refuses fault %p, naming the field", (fault) => {
    expectBad({ type: "fail", trialId: 3, reason: "r", fault }, /fail\.fault|fault/);
  });
});

describe("codec", () => {
  it("has one sample per message type", () => {
    expect(Object.keys(SAMPLES).sort()).toEqual([...MESSAGE_TYPES].sort());
  });

  it.each(ALL_SAMPLES.map((m) => [m.type, m] as const))("round-trips %s", (_t, msg) => {
    const frame = encodeFrame(msg);
    expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
    expect(decodeMessage(frame.subarray(4))).toEqual(msg);
  });

  it("gives every frame bytes of its own (frames are held by sockets while later ones are encoded)", () => {
    const frames = ALL_SAMPLES.map((m) => encodeFrame(m));
    const copies = frames.map((f) => Buffer.from(f));
    for (let i = 0; i < 200; i++) encodeFrame(ALL_SAMPLES[i % ALL_SAMPLES.length] as Message);
    frames.forEach((f, i) => expect(f.equals(copies[i] as Buffer)).toBe(true));
    expect(frames.map((f) => decodeMessage(f.subarray(4)))).toEqual(ALL_SAMPLES);
  });

  it("drops undefined optional fields and unknown fields", () => {
    const m = { type: "heartbeat", trialId: 1, epoch: 0, metric: undefined } as unknown as Message;
    expect(decodeMessage(encodeMessage(m))).toEqual({ type: "heartbeat", trialId: 1, epoch: 0 });
    expect(Object.keys(decodeMessage(encodeMessage(m)))).not.toContain("metric");
    expect(decodeMessage(body({ type: "ask", future: 1 }))).toEqual({ type: "ask" });
  });

  it("refuses to encode an invalid message", () => {
    expect(() => encodeFrame({ type: "ack", trialId: -1, duplicate: false })).toThrow(/ack\.trialId/);
  });

  describe("rejects invalid shapes, naming the field", () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ["not an object", [1, 2], /must be an object/],
      ["missing type", { trialId: 1 }, /"type" must be one of/],
      ["unknown type", { type: "launch" }, /"type" must be one of.*launch/],
      ["bad id", { type: "ask", id: -3 }, /ask\.id must be an integer/],
      [
        "hello without workerId",
        { ...SAMPLES.hello, workerId: undefined },
        /hello\.workerId must be a string.*missing/,
      ],
      ["hello empty workerId", { ...SAMPLES.hello, workerId: "" }, /hello\.workerId/],
      ["hello long workerId", { ...SAMPLES.hello, workerId: "w".repeat(300) }, /hello\.workerId.*length 300/],
      [
        "hello pid string",
        { ...SAMPLES.hello, capabilities: { ...SAMPLES.hello.capabilities, pid: "1" } },
        /hello\.capabilities\.pid/,
      ],
      ["hello proof null", { ...SAMPLES.hello, authProof: null }, /hello\.authProof/],
      ["challenge short nonce", { type: "challenge", nonce: "abcd" }, /challenge\.nonce/],
      [
        "challenge non-hex nonce",
        { type: "challenge", nonce: "zz".repeat(20) },
        /challenge\.nonce must be lowercase hex/,
      ],
      [
        "welcome zero lease",
        { ...SAMPLES.welcome, leaseSeconds: 0 },
        /welcome\.leaseSeconds must be a finite number > 0/,
      ],
      ["welcome study missing", { ...SAMPLES.welcome, study: undefined }, /welcome\.study must be an object/],
      [
        "trial negative token",
        { ...SAMPLES.trial, tokens: [1, -1] },
        /trial\.tokens\[1\] must be a non-negative integer/,
      ],
      ["trial float token", { ...SAMPLES.trial, tokens: [1.5] }, /trial\.tokens\[0\]/],
      [
        "trial tokens too many",
        { ...SAMPLES.trial, tokens: new Array(5000).fill(0) },
        /trial\.tokens must be an array of at most 4096/,
      ],
      ["trial arch missing", { ...SAMPLES.trial, arch: undefined }, /trial\.arch must be plain JSON/],
      [
        "trial arch NaN",
        { ...SAMPLES.trial, arch: { a: [1, NaN] } },
        /trial\.arch\.a\[1\] must be a finite number, got NaN/,
      ],
      ["trial budget epochs", { ...SAMPLES.trial, budget: { epochs: 1.5 } }, /trial\.budget\.epochs/],
      ["wait negative", { ...SAMPLES.wait, retryAfterMs: -1 }, /wait\.retryAfterMs/],
      [
        "heartbeat infinite metric",
        { ...SAMPLES.heartbeat, metric: Infinity },
        /heartbeat\.metric must be a finite number/,
      ],
      ["tell NaN reward", { ...SAMPLES.tell, reward: NaN }, /tell\.reward must be a finite number, got NaN/],
      [
        "tell metric string",
        { ...SAMPLES.tell, metrics: { miou: "x" } },
        /tell\.metrics\.miou must be a finite number/,
      ],
      ["tell curve Infinity", { ...SAMPLES.tell, curve: [0.1, -Infinity] }, /tell\.curve\[1\]/],
      [
        "tell negative duration",
        { ...SAMPLES.tell, durationMs: -5 },
        /tell\.durationMs must be a finite number >= 0/,
      ],
      ["ack duplicate missing", { type: "ack", trialId: 1 }, /ack\.duplicate must be a boolean/],
      [
        "snapshot bad state",
        {
          type: "snapshot",
          snapshot: {
            ...SAMPLES.snapshot.snapshot,
            recent: [{ ...SAMPLES.snapshot.snapshot.recent[0], state: "zombie" }],
          },
        },
        /snapshot\.snapshot\.recent\[0\]\.state must be one of/,
      ],
      [
        "snapshot worker",
        { type: "snapshot", snapshot: { ...SAMPLES.snapshot.snapshot, workers: [5] } },
        /snapshot\.snapshot\.workers\[0\] must be an object/,
      ],
      ["error data array", { ...SAMPLES.error, data: [1] }, /error\.data must be an object/],
      ["bye reason number", { type: "bye", reason: 5 }, /bye\.reason must be a string/],
    ];
    it.each(cases)("%s", (_name, value, pattern) => expectBad(value, pattern));
  });

  describe("admits plain data only", () => {
    const cases: Array<[string, Buffer, RegExp]> = [
      [
        "a Set (structured clone)",
        new Packr({ structuredClone: true }).pack({ type: "ask", s: new Set([1]) }),
        /extension type/,
      ],
      ["an Error", new Packr({ moreTypes: true }).pack({ type: "ask", e: new Error("x") }), /extension type/],
      ["a Date", body({ type: "ask", d: new Date(0) }), /extension type/],
      ["a record", new Packr({ useRecords: true }).pack({ type: "ask", x: 1 }), /extension type/],
      ["binary data", body({ type: "ask", b: Buffer.from([1, 2]) }), /binary data/],
      ["a number map key", Buffer.from([0x81, 0x01, 0x02]), /only string keys/],
      ["reserved 0xc1", Buffer.from([0xc1]), /reserved byte 0xc1/],
      ["trailing bytes", Buffer.concat([body({ type: "ask" }), Buffer.from([0])]), /1 trailing bytes/],
      ["a truncated value", body({ type: "ask", s: "hello" }).subarray(0, 10), /runs past the end/],
      ["a huge array count", Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff]), /array of 4294967295 items/],
    ];
    it.each(cases)("refuses %s", (_name, buf, pattern) => {
      expect(() => decodeMessage(buf)).toThrow(BadMessageError);
      expect(() => decodeMessage(buf)).toThrow(pattern);
    });

    it("refuses deep nesting without blowing the stack", () => {
      // msgpack of 10 000 nested one-element arrays: 0x91 repeated, then 1
      const buf = Buffer.concat([
        Buffer.from([0x82, 0xa4, ...Buffer.from("type"), 0xa3, ...Buffer.from("ask"), 0xa1, 0x78]),
        Buffer.alloc(10_000, 0x91),
        Buffer.from([1]),
      ]);
      expect(() => decodeMessage(buf)).toThrow(/nesting deeper than allowed/);
    });

    it("never builds a prototype from __proto__", () => {
      const m = decodeMessage(
        body({
          type: "error",
          code: "SEGNAS_E_INTERNAL",
          message: "m",
          data: JSON.parse('{"__proto__": {"polluted": 1}}'),
        }),
      );
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.getPrototypeOf((m as { data: object }).data)).toBe(Object.prototype);
      expect(
        ((m as { data: Record<string, unknown> }).data as { polluted?: unknown }).polluted,
      ).toBeUndefined();
    });

    it("validateMessage rejects class instances in JSON fields", () => {
      expect(() => validateMessage({ ...SAMPLES.trial, arch: new Map() })).toThrow(
        /trial\.arch must be plain JSON data/,
      );
    });
  });
});
