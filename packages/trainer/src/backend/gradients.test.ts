import { tf } from "./tf";
import { GRADIENT_KERNELS } from "./gradients";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** Central finite differences of sum(f(x) * r) at a few coordinates vs the analytic gradient. */
function checkGrad(f: (x: tf.Tensor) => tf.Tensor, shape: number[], seed: number): void {
  tf.tidy(() => {
    const x = tf.randomUniform(shape, 0.5, 1.5, "float32", seed);
    const r = tf.randomNormal(f(x).shape, 0, 1, "float32", seed + 1);
    const loss = (t: tf.Tensor) => tf.sum(tf.mul(f(t), r));
    const g = (tf.grad(loss)(x) as tf.Tensor).dataSync();
    const xv = x.dataSync();
    const eps = 1e-2;
    for (const i of [0, Math.floor(xv.length / 2), xv.length - 1]) {
      const plus = Float32Array.from(xv);
      const minus = Float32Array.from(xv);
      plus[i] = (plus[i] as number) + eps;
      minus[i] = (minus[i] as number) - eps;
      const num =
        ((loss(tf.tensor(plus, shape)).dataSync()[0] as number) -
          (loss(tf.tensor(minus, shape)).dataSync()[0] as number)) /
        (2 * eps);
      expect(Math.abs(num - (g[i] as number))).toBeLessThan(2e-2 * Math.max(1, Math.abs(num)));
    }
  });
}

describe("registered gradients (tfjs-core ships none without @tensorflow/tfjs)", () => {
  it("covers the kernels the trainer differentiates", () => {
    for (const k of GRADIENT_KERNELS) expect(tf.getGradient(k)).toBeDefined();
  });
  const c = (v: number) => tf.scalar(v);
  it.each([
    [
      "add/sub/mul/div with broadcasting",
      (x: tf.Tensor) =>
        tf.div(tf.sub(tf.mul(tf.add(x, tf.ones([3])), x), tf.ones([2, 1, 3])), tf.add(x, c(2))),
      [2, 4, 3],
    ],
    [
      "square, rsqrt, neg, squaredDifference",
      (x: tf.Tensor) => tf.neg(tf.add(tf.square(x), tf.squaredDifference(tf.rsqrt(x), c(0.3)))),
      [5],
    ],
    ["sum / mean with axes", (x: tf.Tensor) => tf.add(tf.mean(x, [1, 2], true), tf.sum(x, 0)), [2, 3, 4, 2]],
    ["relu / relu6", (x: tf.Tensor) => tf.add(tf.relu(tf.sub(x, c(1))), tf.relu6(tf.mul(x, c(5)))), [7]],
    [
      "reshape, concat, slice, pad",
      (x: tf.Tensor) =>
        tf.pad(tf.slice(tf.concat([x, tf.mul(x, x)], 1), [0, 1], [2, 4]), [
          [1, 0],
          [0, 2],
        ]),
      [2, 3],
    ],
    [
      "resizeBilinear (align corners)",
      (x: tf.Tensor) => tf.image.resizeBilinear(x as tf.Tensor4D, [5, 7], true),
      [1, 2, 3, 2],
    ],
    [
      "conv2d (explicit pad, stride 2)",
      (x: tf.Tensor) =>
        tf.conv2d(x as tf.Tensor4D, tf.ones([3, 3, 2, 3]) as tf.Tensor4D, 2, [
          [0, 0],
          [1, 1],
          [0, 1],
          [0, 0],
        ]),
      [1, 5, 6, 2],
    ],
    [
      "depthwise + spaceToBatch dilation",
      (x: tf.Tensor) =>
        tf.batchToSpaceND(
          tf.depthwiseConv2d(
            tf.spaceToBatchND(
              x,
              [2, 2],
              [
                [0, 0],
                [0, 0],
              ],
            ) as tf.Tensor4D,
            tf.ones([2, 2, 2, 1]) as tf.Tensor4D,
            1,
            "same",
          ),
          [2, 2],
          [
            [0, 0],
            [0, 0],
          ],
        ),
      [1, 4, 4, 2],
    ],
  ] as [string, (x: tf.Tensor) => tf.Tensor, number[]][])(
    "%s matches finite differences",
    (_name, f, shape) => {
      checkGrad(f, shape, 3);
    },
  );
});
