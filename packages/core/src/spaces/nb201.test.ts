// Tests may read ../shared when it exists (CONTRIBUTING); the product never does.
import { hasSharedFile } from "../testing/shared-data";
// eslint-disable-next-line no-restricted-imports
import * as fs from "fs";
// eslint-disable-next-line no-restricted-imports
import * as path from "path";
import fc from "fast-check";
import { InvalidTokensError } from "../error-classes";
import { Rng } from "../rng";
import { NasBench201Space, NB201_OPS, formatNb201Cell, parseNb201Cell } from "./nb201";

const space = new NasBench201Space();
const tokensArb = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 6, maxLength: 6 });
const EXAMPLE =
  "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|";
const CSV = path.resolve(__dirname, "../../../../../shared/benchmarks/nb201-mini/nb201_cifar10_12ep.csv");

function parseError(cell: string): InvalidTokensError {
  try {
    parseNb201Cell(cell);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidTokensError);
    return e as InvalidTokensError;
  }
  throw new Error(`expected ${cell} to be rejected`);
}

describe("NasBench201Space", () => {
  it("has 6 edges of 5 ops", () => {
    expect(space.name).toBe("NasBench201");
    expect(space.rangeTable).toEqual([5, 5, 5, 5, 5, 5]);
    expect(NB201_OPS).toEqual(["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]);
    expect(space.tokenNames).toEqual([
      "edge0->1",
      "edge0->2",
      "edge1->2",
      "edge0->3",
      "edge1->3",
      "edge2->3",
    ]);
    expect(() => space.validate(space.initTokens)).not.toThrow();
  });

  it("parses a cell string in edge order", () => {
    expect(parseNb201Cell(EXAMPLE)).toEqual([4, 2, 1, 2, 1, 1]);
    expect(space.parse(` ${EXAMPLE}\n`)).toEqual([4, 2, 1, 2, 1, 1]);
    expect(space.print([4, 2, 1, 2, 1, 1])).toBe(EXAMPLE);
  });

  it("decodes to plain JSON edges and encodes back", () => {
    const arch = space.decode([4, 2, 1, 2, 1, 1]);
    expect(arch).toEqual({
      space: "NasBench201",
      tokens: [4, 2, 1, 2, 1, 1],
      cell: EXAMPLE,
      edges: [
        { from: 0, to: 1, op: "avg_pool_3x3" },
        { from: 0, to: 2, op: "nor_conv_1x1" },
        { from: 1, to: 2, op: "skip_connect" },
        { from: 0, to: 3, op: "nor_conv_1x1" },
        { from: 1, to: 3, op: "skip_connect" },
        { from: 2, to: 3, op: "skip_connect" },
      ],
    });
    // Edges are matched by from/to, not by position.
    expect(space.encode({ ...arch, edges: [...arch.edges].reverse() })).toEqual([4, 2, 1, 2, 1, 1]);
  });

  it("round-trips tokens through cells and architectures", () => {
    fc.assert(
      fc.property(tokensArb, (tokens) => {
        expect(parseNb201Cell(formatNb201Cell(tokens))).toEqual(tokens);
        expect(space.encode(JSON.parse(JSON.stringify(space.decode(tokens))))).toEqual(tokens);
        expect(space.format(tokens)).toBe(space.decode(tokens).cell);
      }),
      { numRuns: 200 },
    );
  });

  it("names the bad part of a malformed cell", () => {
    let e = parseError(EXAMPLE.replace("nor_conv_1x1~0|skip_connect~1|+", "nor_conv_1x1~0|+"));
    expect(e.message).toMatch(/node 2 .* has 1 edges, expected 2/);
    e = parseError(EXAMPLE.replace("avg_pool_3x3~0", "conv_7x7~0"));
    expect(e.message).toMatch(/edge 0->1: unknown op "conv_7x7"/);
    expect(e.data).toMatchObject({ position: 0, name: "edge0->1", value: "conv_7x7" });
    e = parseError(EXAMPLE.replace("skip_connect~2", "skip_connect~1"));
    expect(e.message).toMatch(/edge 2->3: "skip_connect~1" names input 1, expected ~2/);
    expect(e.data.position).toBe(5);
    e = parseError(EXAMPLE.replace("skip_connect~2", "skip_connect"));
    expect(e.message).toMatch(/edge 2->3: "skip_connect" is not "op~2"/);
    expect(parseError("|none~0|+|none~0|none~1|").message).toMatch(/expected 3 nodes/);
    expect(parseError(EXAMPLE.slice(1)).message).toMatch(/node 1 .* must start and end with "\|"/);
    expect(parseError("").code).toBe("SEGNAS_E_INVALID_TOKENS");
  });

  it("rejects bad tokens and bad architectures", () => {
    expect(() => space.decode([0, 0, 0, 0, 0, 5])).toThrow(/token 5 \(edge2->3\) = 5 is out of range/);
    expect(() => formatNb201Cell([0, 0])).toThrow(/expected 6 tokens, got 2/);
    const arch = space.decode([0, 1, 2, 3, 4, 0]);
    expect(() => space.encode({ ...arch, edges: arch.edges.slice(1) })).toThrow(/6 edges/);
    const dup = arch.edges.map((e, i) => (i === 1 ? { ...e, from: 1 } : e));
    expect(() => space.encode({ ...arch, edges: dup })).toThrow(/edge 0->2 appears 0 times/);
    const badOp = arch.edges.map((e, i) => (i === 3 ? { ...e, op: "conv" as never } : e));
    expect(() => space.encode({ ...arch, edges: badOp })).toThrow(/edge 0->3: unknown op "conv"/);
  });

  it("samples valid tokens", () => {
    const rng = Rng.fromSeed(3);
    for (let i = 0; i < 20; i++) expect(() => space.validate(space.sample(rng))).not.toThrow();
  });

  const csvIt = hasSharedFile(CSV) ? it : it.skip;
  csvIt("round-trips the cell strings of the nb201-mini table", () => {
    // Read only the head of the file: the first ~200 rows are plenty.
    const fd = fs.openSync(CSV, "r");
    const buf = Buffer.alloc(32 * 1024);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    fs.closeSync(fd);
    const lines = buf.toString("utf8", 0, n).split("\n").slice(1, -1);
    expect(lines.length).toBeGreaterThan(50);
    for (const line of lines) {
      const cell = line.split(",")[1] as string;
      const tokens = space.parse(cell);
      expect(space.print(tokens)).toBe(cell);
    }
  });
});
