import fc from "fast-check";
import { InvalidTokensError } from "../error-classes";
import { SegnasError } from "../errors";
import { Rng } from "../rng";
import { parseTokenList, spaceSize } from "../search-space";
import { MobileNetV2SpaceSeg } from "./mobilenetv2-seg";

const space = new MobileNetV2SpaceSeg();
const tokensArb = fc.tuple(...space.rangeTable.map((n) => fc.integer({ min: 0, max: n - 1 })));

function thrown(fn: () => unknown): InvalidTokensError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidTokensError);
    return e as InvalidTokensError;
  }
  throw new Error("expected a throw");
}

describe("MobileNetV2SpaceSeg", () => {
  it("has SPEC §1's range table, init tokens and size", () => {
    expect(space.rangeTable).toEqual([
      7, 5, 8, 6, 2, 5, 8, 6, 2, 5, 8, 6, 2, 5, 10, 6, 2, 5, 10, 6, 2, 5, 12, 6, 2,
    ]);
    expect(space.initTokens).toEqual([
      4, 4, 5, 1, 0, 4, 4, 2, 0, 4, 4, 3, 0, 4, 5, 2, 0, 4, 7, 2, 0, 4, 9, 0, 0,
    ]);
    expect(space.tokenNames).toHaveLength(25);
    expect(space.tokenNames[14]).toBe("block4.filter_num");
    expect(spaceSize(space)).toBeCloseTo(2.0e17, -16);
  });

  it("decodes the init tokens to stock MobileNetV2 (SPEC §1)", () => {
    const arch = space.decode(space.initTokens);
    expect(arch.blocks.map((b) => [b.t, b.c, b.n, b.s, b.k])).toEqual([
      [1, 16, 1, 1, 3],
      [6, 24, 2, 2, 3],
      [6, 32, 3, 2, 3],
      [6, 64, 4, 2, 3],
      [6, 96, 3, 1, 3],
      [6, 160, 3, 1, 3],
      [6, 320, 1, 1, 3],
    ]);
    expect(arch.space).toBe("MobileNetV2SpaceSeg");
    expect(arch.stemChannels).toBe(32);
    expect(arch.outputStride).toBe(16);
    expect(space.format(space.initTokens)).toBe(
      "(1,16,1,1,3) (6,24,2,2,3) (6,32,3,2,3) (6,64,4,2,3) (6,96,3,1,3) (6,160,3,1,3) (6,320,1,1,3)",
    );
  });

  it("decodes min and max tokens", () => {
    const min = space.decode(space.rangeTable.map(() => 0));
    expect(min.blocks.map((b) => [b.t, b.c, b.n, b.s, b.k])).toEqual([
      [1, 3, 1, 1, 3],
      [1, 3, 1, 2, 3],
      [1, 8, 1, 2, 3],
      [1, 16, 1, 2, 3],
      [1, 24, 1, 1, 3],
      [1, 32, 1, 1, 3],
      [1, 64, 1, 1, 3],
    ]);
    const max = space.decode(space.rangeTable.map((n) => n - 1));
    expect(max.blocks.map((b) => [b.t, b.c, b.n, b.s, b.k])).toEqual([
      [1, 32, 1, 1, 3],
      [6, 48, 6, 2, 5],
      [6, 80, 6, 2, 5],
      [6, 128, 6, 2, 5],
      [6, 192, 6, 1, 5],
      [6, 224, 6, 1, 5],
      [6, 512, 6, 1, 5],
    ]);
  });

  it("keeps the output stride at 16: only block5's stride is capped", () => {
    fc.assert(
      fc.property(tokensArb, (tokens) => {
        const strides = space.decode(tokens).blocks.map((b) => b.s);
        expect(strides).toEqual([1, 2, 2, 2, 1, 1, 1]);
        expect(2 * strides.reduce((a, b) => a * b, 1)).toBe(16);
      }),
      { numRuns: 50 },
    );
  });

  it("round-trips encode(decode(t)) == t", () => {
    fc.assert(
      fc.property(tokensArb, (tokens) => {
        const arch = space.decode(tokens);
        expect(space.encode(arch)).toEqual(tokens);
        // The architecture is plain JSON: it survives serialisation unchanged.
        expect(space.encode(JSON.parse(JSON.stringify(arch)))).toEqual(tokens);
      }),
      { numRuns: 300 },
    );
  });

  it("names the length when there are too few or too many tokens", () => {
    const e = thrown(() => space.decode(space.initTokens.slice(0, 24)));
    expect(e.code).toBe("SEGNAS_E_INVALID_TOKENS");
    expect(e.message).toMatch(/expected 25 tokens, got 24/);
    expect(e.data).toMatchObject({ expectedLength: 25, actualLength: 24 });
    expect(thrown(() => space.validate([...space.initTokens, 0])).data.actualLength).toBe(26);
    expect(thrown(() => space.validate("4,4,5")).message).toMatch(/list of 25 integers/);
  });

  it("names position, value and range of a non-integer token", () => {
    const tokens: unknown[] = [...space.initTokens];
    tokens[3] = 1.5;
    const e = thrown(() => space.validate(tokens));
    expect(e.message).toMatch(/token 3 \(block1\.repeat\) = 1\.5/);
    expect(e.message).toMatch(/0\.\.5/);
    expect(e.data).toMatchObject({ position: 3, name: "block1.repeat", value: 1.5, low: 0, high: 6 });
    tokens[3] = "1";
    expect(thrown(() => space.validate(tokens)).data.position).toBe(3);
    const parsed = parseTokenList("4,4,x,1,0, 4,4,2,0, 4,4,3,0, 4,5,2,0, 4,7,2,0, 4,9,0,0");
    expect(thrown(() => space.validate(parsed)).data).toMatchObject({
      position: 2,
      name: "block1.filter_num",
    });
  });

  it("names position, value and range of an out-of-range token", () => {
    const tokens = [...space.initTokens];
    tokens[22] = 12;
    const e = thrown(() => space.decode(tokens));
    expect(e.message).toMatch(
      /token 22 \(block6\.filter_num\) = 12 is out of range: allowed integers 0\.\.11/,
    );
    expect(e.data).toMatchObject({ position: 22, value: 12, low: 0, high: 12 });
    tokens[22] = -1;
    expect(thrown(() => space.decode(tokens)).data.value).toBe(-1);
    expect(e).toBeInstanceOf(SegnasError);
    expect(e.exitCode).toBe(2);
  });

  it("rejects architectures whose values are not candidates", () => {
    const arch = space.decode(space.initTokens);
    const bad = { ...arch, blocks: arch.blocks.map((b, i) => (i === 2 ? { ...b, c: 33 } : b)) };
    const e = thrown(() => space.encode(bad));
    expect(e.message).toMatch(/block2\.filter_num = 33/);
    expect(thrown(() => space.encode({ ...arch, blocks: arch.blocks.slice(0, 6) })).message).toMatch(
      /7 blocks/,
    );
  });

  it("samples valid tokens reproducibly", () => {
    const a = Rng.fromSeed(7);
    const b = Rng.fromSeed(7);
    for (let i = 0; i < 50; i++) {
      const t = space.sample(a);
      expect(() => space.validate(t)).not.toThrow();
      expect(space.sample(b)).toEqual(t);
    }
  });
});
