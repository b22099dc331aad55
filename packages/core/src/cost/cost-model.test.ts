import fc from "fast-check";
import { SegnasError } from "../errors";
import { MobileNetV2SpaceSeg } from "../spaces/mobilenetv2-seg";
import { DEEPLAB_HEADS, costModel, headFlags, headFromFlags, type DeepLabHead } from "./cost-model";

// Fixtures from the PyTorch reference (scripts/gen-cost-fixtures.py); plain JSON read with
// require so the package build does not have to list JSON files.
interface CaseGroup {
  height: number;
  width: number;
  head: DeepLabHead;
  /** [tokens (base 36), classes, params, bnRunningStats, flops, shortcutChannels, outChannels] */
  rows: [string, number, number, number, number, number, number][];
}
interface LayerCase {
  tokens: string;
  height: number;
  width: number;
  classes: number;
  head: DeepLabHead;
  /** [cin, cout, k, groups, hOut, wOut, flops] per conv, forward order */
  layers: number[][];
}
const cases = require("./fixtures/cost-cases.json") as { groups: CaseGroup[] };
const layerCases = require("./fixtures/cost-layers.json") as { cases: LayerCase[] };

const space = new MobileNetV2SpaceSeg();
const tokensOf = (s: string): number[] => [...s].map((ch) => parseInt(ch, 36));
const tokensArb = fc.tuple(...space.rangeTable.map((n) => fc.integer({ min: 0, max: n - 1 })));
const init = space.decode(space.initTokens);

describe("costModel", () => {
  const rows = cases.groups.flatMap((g) =>
    g.rows.map((row) => ({ h: g.height, w: g.width, head: g.head, row })),
  );

  it("has fixtures for every head, init/min/max and random tokens", () => {
    expect(rows.length).toBeGreaterThanOrEqual(70);
    expect(new Set(rows.map((r) => r.head))).toEqual(new Set(DEEPLAB_HEADS));
  });

  it.each(rows.map((r) => [`${r.row[0]} ${r.h}x${r.w} ${r.head} c${r.row[1]}`, r] as const))(
    "equals the PyTorch reference: %s",
    (_label, { h, w, head, row }) => {
      const [tokens, classes, params, bnRunningStats, flops, shortcutChannels, outChannels] = row;
      const cost = costModel(space.decode(tokensOf(tokens)), { height: h, width: w, classes, head });
      expect({
        params: cost.params,
        bnRunningStats: cost.bnRunningStats,
        flops: cost.flops,
        shortcutChannels: cost.shortcutShape[2],
        outChannels: cost.outputShape[2],
      }).toEqual({ params, bnRunningStats, flops, shortcutChannels, outChannels });
    },
  );

  it.each(layerCases.cases.map((c) => [`${c.tokens} ${c.height}x${c.width} ${c.head}`, c] as const))(
    "lists the reference's conv layers in forward order: %s",
    (_label, c) => {
      const cost = costModel(space.decode(tokensOf(c.tokens)), {
        height: c.height,
        width: c.width,
        classes: c.classes,
        head: c.head,
      });
      expect(cost.layers.map((l) => [l.cin, l.cout, l.k, l.groups, l.hOut, l.wOut, l.flops])).toEqual(
        c.layers,
      );
    },
  );

  it("matches SPEC §2's hand count for the init tokens at 769x769", () => {
    const plain = costModel(init, { height: 769, width: 769, classes: 19, head: "plain" });
    expect(plain.flops / 1e9).toBeCloseTo(5.7, 1);
    const both = costModel(init, { height: 769, width: 769, classes: 19, head: "aspp-decoder" });
    expect(both.flops / 1e10).toBeCloseTo(1.33, 2);
  });

  it("gives the shapes of the backbone output, shortcut and logits", () => {
    const plain = costModel(init, { height: 769, width: 769, classes: 19, head: "plain" });
    expect(plain.outputShape).toEqual([49, 49, 320]);
    expect(plain.shortcutShape).toEqual([193, 193, 144]);
    expect(plain.shortcutLayer).toBe("block1.unit2.dwise");
    expect(plain.logitsShape).toEqual([49, 49, 19]);
    const dec = costModel(init, { height: 97, width: 131, classes: 21, head: "decoder" });
    expect(dec.shortcutShape).toEqual([25, 33, 144]);
    expect(dec.logitsShape).toEqual([25, 33, 21]);
    expect(dec.outputShape).toEqual([7, 9, 320]);
  });

  it("names the layers and marks BN, activations, residuals and the bias", () => {
    const cost = costModel(init, { height: 96, width: 128, classes: 11, head: "aspp-decoder" });
    const names = cost.layers.map((l) => l.name);
    expect(names.slice(0, 7)).toEqual([
      "stem",
      "block0.unit1.expand",
      "block0.unit1.dwise",
      "block0.unit1.linear",
      "block1.unit1.expand",
      "block1.unit1.dwise",
      "block1.unit1.linear",
    ]);
    expect(names.slice(names.indexOf("aspp.image_pool"))).toEqual([
      "aspp.image_pool",
      "aspp.aspp0",
      "aspp.aspp1.dwise",
      "aspp.aspp1.pointwise",
      "aspp.aspp2.dwise",
      "aspp.aspp2.pointwise",
      "aspp.aspp3.dwise",
      "aspp.aspp3.pointwise",
      "aspp.concat",
      "decoder.shortcut",
      "decoder.sep1.dwise",
      "decoder.sep1.pointwise",
      "decoder.sep2.dwise",
      "decoder.sep2.pointwise",
      "logit",
    ]);
    expect(new Set(names).size).toBe(names.length);
    const byName = new Map(cost.layers.map((l) => [l.name, l]));
    expect(byName.get("aspp.image_pool")).toMatchObject({ hIn: 1, wIn: 1, hOut: 1, wOut: 1, cin: 320 });
    expect(byName.get("aspp.aspp3.dwise")).toMatchObject({ dilation: 18, groups: 320, act: "relu" });
    expect(byName.get("aspp.concat")).toMatchObject({ cin: 1280, cout: 256 });
    expect(byName.get("decoder.sep1.dwise")).toMatchObject({ cin: 304, hOut: 24, wOut: 32 });
    expect(byName.get("logit")).toMatchObject({ bias: true, bn: false, act: "none", params: 256 * 11 + 11 });
    expect(byName.get("block2.unit1.linear")).toMatchObject({ residual: false, act: "none" });
    expect(byName.get("block2.unit2.linear")).toMatchObject({ residual: true });
    expect(byName.get("block0.unit1.expand")).toMatchObject({ cin: 32, cout: 32, act: "relu6" });
    expect(byName.get("block1.unit1.dwise")).toMatchObject({ stride: 2, groups: 96, k: 3 });
    expect(cost.bnRunningStats).toBe(cost.layers.filter((l) => l.bn).reduce((a, l) => a + 2 * l.cout, 0));
  });

  it("keeps its totals equal to the sums over layers", () => {
    fc.assert(
      fc.property(tokensArb, fc.constantFrom(...DEEPLAB_HEADS), (tokens, head) => {
        const cost = costModel(space.decode(tokens), { height: 64, width: 96, classes: 5, head });
        expect(cost.params).toBe(cost.layers.reduce((a, l) => a + l.params, 0));
        expect(cost.flops).toBe(cost.layers.reduce((a, l) => a + l.flops, 0));
        for (const l of cost.layers) {
          expect(l.hOut).toBe(Math.ceil(l.hIn / l.stride));
          expect(l.params).toBe(
            (l.k * l.k * l.cin * l.cout) / l.groups + (l.bias ? l.cout : 0) + (l.bn ? 2 * l.cout : 0),
          );
        }
        expect(cost.outputShape.slice(0, 2)).toEqual([4, 6]);
        expect(cost.shortcutShape.slice(0, 2)).toEqual([16, 24]);
      }),
      { numRuns: 40 },
    );
  });

  it("maps PaddleSeg's flags to heads and back", () => {
    expect(headFromFlags(false, false)).toBe("plain");
    expect(headFromFlags(true, false)).toBe("aspp");
    expect(headFromFlags(true, true)).toBe("aspp-decoder");
    expect(headFromFlags(false, true)).toBe("decoder");
    for (const head of DEEPLAB_HEADS) {
      const f = headFlags(head);
      expect(headFromFlags(f.encoderWithAspp, f.enableDecoder)).toBe(head);
    }
  });

  it("rejects bad sizes, class counts and heads", () => {
    const opts = { height: 64, width: 64, classes: 2, head: "plain" as DeepLabHead };
    for (const bad of [{ height: 0 }, { width: 1.5 }, { classes: -1 }, { height: Number.NaN }]) {
      expect(() => costModel(init, { ...opts, ...bad })).toThrow(SegnasError);
    }
    expect(() => costModel(init, { ...opts, width: 0 })).toThrow(/width must be a positive integer, got 0/);
    expect(() => costModel(init, { ...opts, head: "fpn" as DeepLabHead })).toThrow(
      /head must be one of plain, aspp/,
    );
  });
});
