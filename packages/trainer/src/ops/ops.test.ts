import { tf } from "../backend/tf";
import { heldBackwardTensorCount } from "./backward-store";
import { depthwiseNative, nativeFormulation } from "./native";
import { samePadding } from "./padding";
import { convPortable } from "./portable-conv";
import { depthwisePortable, dwBnActPortable } from "./portable-depthwise";
import { pointwisePortable, type PointwiseStrategy } from "./portable-pointwise";
import { colSum, transpose2d, type Activation } from "./primitives";
import type { LayerResult } from "./types";
import { randn, relDiff, useCpuBackend, weightedGrads } from "../testing/tf-test-util";

const TOL = 1e-4;

beforeAll(useCpuBackend);

afterEach(() => {
  expect(heldBackwardTensorCount()).toBe(0);
});

describe("samePadding", () => {
  it("puts the odd extra pixel at the end, out = ceil(in / s)", () => {
    expect(samePadding(7, 3, 2)).toEqual({ out: 4, before: 1, after: 1 });
    expect(samePadding(8, 3, 2)).toEqual({ out: 4, before: 0, after: 1 });
    expect(samePadding(9, 5, 1, 6)).toEqual({ out: 9, before: 12, after: 12 });
    expect(samePadding(6, 1, 1)).toEqual({ out: 6, before: 0, after: 0 });
  });
});

describe("primitives", () => {
  it("transpose2d and colSum match tfjs", () => {
    tf.tidy(() => {
      const x = randn([48, 5], 1) as tf.Tensor2D;
      expect(relDiff(transpose2d(x), tf.transpose(x))).toBe(0);
      expect(relDiff(colSum(x, true), tf.sum(x, 0))).toBeLessThan(1e-6);
    });
  });
});

describe("portable depthwise equals native (values and gradients)", () => {
  const cases: [number[], number, number, number][] = [
    // [x shape, k, stride, dilation]
    [[2, 7, 9, 3], 3, 1, 1],
    [[2, 7, 9, 3], 3, 2, 1],
    [[1, 8, 6, 4], 3, 2, 1],
    [[2, 7, 9, 3], 5, 1, 1],
    [[1, 9, 7, 2], 5, 2, 1],
    [[1, 10, 8, 2], 5, 2, 1],
    [[2, 7, 9, 3], 3, 1, 6],
    [[1, 13, 11, 2], 3, 1, 6],
    [[1, 5, 6, 2], 5, 1, 2],
  ];
  it.each(cases)("x %j k=%i s=%i d=%i", (shape, k, s, d) => {
    tf.tidy(() => {
      const x = randn(shape, 11);
      const f = randn([k, k, shape[3] as number, 1], 12, 0.5);
      const { p, n } = expectPortableMatchesNative((portable) =>
        weightedGrads(
          (a, b) =>
            (portable ? depthwisePortable : depthwiseNative)(a as tf.Tensor4D, b as tf.Tensor4D, s, d),
          [x, f],
        ),
      );
      expect(p.grads).toHaveLength(2);
      expect(p.y.shape).toEqual([
        shape[0],
        Math.ceil((shape[1] as number) / s),
        Math.ceil((shape[2] as number) / s),
        shape[3],
      ]);
      tf.dispose([p.y, n.y]);
    });
  });
});

/** `run(true)` (portable) and `run(false)` (native) agree in value and in every gradient. */
function expectPortableMatchesNative(run: (portable: boolean) => { y: tf.Tensor; grads: tf.Tensor[] }) {
  const p = run(true);
  const n = run(false);
  expect(relDiff(p.y, n.y)).toBeLessThan(TOL);
  p.grads.forEach((g, i) => expect(relDiff(g, n.grads[i] as tf.Tensor)).toBeLessThan(TOL));
  return { p, n };
}

/** A layer's output, its batch statistics disposed (they are checked on their own). */
function outputOf(r: LayerResult): tf.Tensor4D {
  tf.dispose([r.stats?.mean, r.stats?.variance]);
  return r.y;
}

const bnParams = (c: number, seed: number) => ({
  gamma: tf.add(1, tf.mul(0.2, randn([c], seed))) as tf.Tensor1D,
  beta: tf.mul(0.1, randn([c], seed + 1)) as tf.Tensor1D,
});

describe("portable 1x1 conv + BN + activation equals native", () => {
  const cases: [PointwiseStrategy, Activation, number, number][] = [
    ["gram", "relu6", 3, 8],
    ["gram", "none", 4, 6],
    ["explicit", "relu6", 6, 3],
    ["explicit", "none", 5, 4],
    ["explicit", "relu", 4, 5],
    ["gram", "relu", 2, 9],
  ];
  it.each(cases)("%s act=%s cin=%i cout=%i", (strategy, act, cin, cout) => {
    tf.tidy(() => {
      const x = randn([2, 5, 7, cin], 21);
      const w = randn([1, 1, cin, cout], 22, 0.7);
      const { gamma, beta } = bnParams(cout, 23);
      const run = (portable: boolean) =>
        weightedGrads(
          (a, b, gm, bt) => {
            const bn = { gamma: gm as tf.Tensor1D, beta: bt as tf.Tensor1D, epsilon: 1e-5 };
            return outputOf(
              portable
                ? pointwisePortable(a as tf.Tensor4D, b as tf.Tensor4D, { bn, act }, strategy)
                : nativeFormulation.conv(a as tf.Tensor4D, b as tf.Tensor4D, { bn, act }),
            );
          },
          [x, w, gamma, beta],
        );
      const { p, n } = expectPortableMatchesNative(run);
      tf.dispose([p.y, n.y]);
    });
  });

  it("returns the batch statistics (biased variance)", () => {
    tf.tidy(() => {
      const x = randn([2, 3, 4, 3], 31);
      const w = randn([1, 1, 3, 5], 32);
      const { gamma, beta } = bnParams(5, 33);
      for (const strategy of ["gram", "explicit"] as const) {
        const r = pointwisePortable(
          x as tf.Tensor4D,
          w as tf.Tensor4D,
          { bn: { gamma, beta, epsilon: 1e-5 }, act: "none" },
          strategy,
        );
        const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, "valid");
        const m = tf.moments(y, [0, 1, 2]);
        expect(relDiff(tf.tensor(r.stats!.mean as Float32Array), m.mean)).toBeLessThan(1e-5);
        expect(relDiff(tf.tensor(r.stats!.variance as Float32Array), m.variance)).toBeLessThan(1e-4);
        tf.dispose([r.stats!.mean, r.stats!.variance]);
      }
    });
  });

  it("plain 1x1 with bias (the logit conv) equals native", () => {
    tf.tidy(() => {
      const x = randn([2, 3, 5, 6], 41);
      const w = randn([1, 1, 6, 4], 42);
      const bias = randn([4], 43);
      const f = (portable: boolean) =>
        weightedGrads(
          (a, b, c) =>
            (portable ? pointwisePortable : nativeFormulation.conv)(a as tf.Tensor4D, b as tf.Tensor4D, {
              bias: c as tf.Tensor1D,
              act: "none",
            }).y,
          [x, w, bias],
        );
      expectPortableMatchesNative(f);
    });
  });
});

describe("portable kxk conv (stem) equals native", () => {
  it.each([
    [[2, 9, 7, 3], 3, 2],
    [[1, 8, 10, 3], 3, 2],
    [[1, 7, 7, 2], 5, 1],
  ] as [number[], number, number][])("x %j k=%i s=%i", (shape, k, s) => {
    tf.tidy(() => {
      const x = randn(shape, 51);
      const w = randn([k, k, shape[3] as number, 6], 52, 0.4);
      const { gamma, beta } = bnParams(6, 53);
      const run = (portable: boolean) =>
        weightedGrads(
          (a, b, gm, bt) => {
            const opts = {
              stride: s,
              bn: { gamma: gm as tf.Tensor1D, beta: bt as tf.Tensor1D, epsilon: 1e-5 },
              act: "relu6" as const,
            };
            return outputOf(
              portable
                ? convPortable(a as tf.Tensor4D, b as tf.Tensor4D, opts)
                : nativeFormulation.conv(a as tf.Tensor4D, b as tf.Tensor4D, opts),
            );
          },
          [x, w, gamma, beta],
        );
      expectPortableMatchesNative(run);
    });
  });

  it("skips the input gradient when inputGrad is false", () => {
    tf.tidy(() => {
      const x = randn([1, 6, 6, 3], 61);
      const w = randn([3, 3, 3, 4], 62);
      const { gamma, beta } = bnParams(4, 63);
      const bn = { gamma, beta, epsilon: 1e-5 };
      const g = tf.grads((b: tf.Tensor) => {
        const y = outputOf(
          convPortable(x as tf.Tensor4D, b as tf.Tensor4D, { stride: 2, bn, act: "relu6", inputGrad: false }),
        );
        return tf.sum(y);
      });
      const gn = tf.grads((b: tf.Tensor) =>
        tf.sum(nativeFormulation.conv(x as tf.Tensor4D, b as tf.Tensor4D, { stride: 2, bn, act: "relu6" }).y),
      );
      expect(relDiff(g([w])[0] as tf.Tensor, gn([w])[0] as tf.Tensor)).toBeLessThan(TOL);
    });
  });
});

describe("portable depthwise + BN + activation equals native", () => {
  it.each([
    [[2, 7, 9, 4], 3, 1, 1, "relu6"],
    [[2, 8, 9, 4], 3, 2, 1, "relu6"],
    [[1, 9, 7, 3], 5, 2, 1, "relu6"],
    [[2, 6, 8, 3], 3, 1, 6, "relu"],
    [[2, 5, 5, 3], 5, 1, 1, "none"],
  ] as [number[], number, number, number, Activation][])("x %j k=%i s=%i d=%i %s", (shape, k, s, d, act) => {
    tf.tidy(() => {
      const c = shape[3] as number;
      const x = randn(shape, 71);
      const f = randn([k, k, c, 1], 72, 0.5);
      const { gamma, beta } = bnParams(c, 73);
      const run = (portable: boolean) =>
        weightedGrads(
          (a, b, gm, bt) => {
            const opts = {
              stride: s,
              dilation: d,
              bn: { gamma: gm as tf.Tensor1D, beta: bt as tf.Tensor1D, epsilon: 1e-5 },
              act,
            };
            return outputOf(
              portable
                ? dwBnActPortable(a as tf.Tensor4D, b as tf.Tensor4D, opts)
                : nativeFormulation.depthwise(a as tf.Tensor4D, b as tf.Tensor4D, opts),
            );
          },
          [x, f, gamma, beta],
        );
      expectPortableMatchesNative(run);
    });
  });
});

describe("memory", () => {
  it("portable ops leak no tensors through forward + backward", () => {
    const x = randn([2, 6, 5, 3], 81);
    const w = randn([3, 3, 3, 4], 82);
    const f = randn([3, 3, 4, 1], 83);
    const w2 = randn([1, 1, 4, 5], 84);
    const { gamma, beta } = bnParams(4, 85);
    const bn5 = bnParams(5, 86);
    const before = tf.memory().numTensors;
    const g = tf.variableGrads;
    void g;
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
      const s1 = convPortable(x as tf.Tensor4D, a as tf.Tensor4D, {
        stride: 2,
        bn: { gamma, beta, epsilon: 1e-5 },
        act: "relu6",
        inputGrad: false,
      });
      const s2 = dwBnActPortable(s1.y, b as tf.Tensor4D, {
        stride: 2,
        bn: { gamma, beta, epsilon: 1e-5 },
        act: "relu6",
      });
      const s3 = pointwisePortable(s2.y, c as tf.Tensor4D, {
        bn: { gamma: bn5.gamma, beta: bn5.beta, epsilon: 1e-5 },
        act: "none",
      });
      tf.dispose([
        s1.stats!.mean,
        s1.stats!.variance,
        s2.stats!.mean,
        s2.stats!.variance,
        s3.stats!.mean,
        s3.stats!.variance,
      ]);
      return tf.sum(tf.square(s3.y));
    })([w, f, w2]);
    tf.dispose(grads);
    expect(tf.memory().numTensors).toBe(before);
    expect(heldBackwardTensorCount()).toBe(0);
  });
});
