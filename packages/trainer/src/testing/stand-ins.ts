/**
 * Test stand-ins for the loop: a per-pixel linear classifier (a 1x1 convolution) and an
 * in-memory dataset whose class is readable from the red channel. Seconds to train on cpu.
 */
import { tf } from "../backend/tf";
import { holdForBackward, releaseHeld } from "../ops/backward-store";
import { Rng } from "@segnas/core";
import type { LoopBatch, LoopData, LoopModel } from "../train/train-loop";

export function linearPixelModel(classes: number, seed = 1): LoopModel & { dispose(): void } {
  const rng = Rng.fromSeed(seed);
  const w = tf.variable(
    tf.tensor2d(
      Array.from({ length: 3 * classes }, () => rng.normal() * 0.1),
      [3, classes],
    ),
    true,
  );
  const b = tf.variable(tf.zeros([classes]), true);
  return {
    trainableVariables: [w, b],
    forward(x: tf.Tensor4D): tf.Tensor4D {
      const [n, h, wd] = x.shape;
      // One custom gradient: autodiff of reshape/matMul is not needed (nor registered on every setup).
      const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
        const [xi, wi, bi] = args as [tf.Tensor, tf.Tensor2D, tf.Tensor1D];
        const flat = holdForBackward(tf.reshape(xi, [-1, 3]) as tf.Tensor2D);
        return {
          value: tf.reshape(tf.add(tf.matMul(flat, wi), bi), [n, h, wd, classes]),
          gradFunc: (dy: tf.Tensor) => {
            const d = tf.reshape(dy, [-1, classes]) as tf.Tensor2D;
            const grads = [
              tf.reshape(tf.matMul(d, wi, false, true), xi.shape),
              tf.matMul(flat, d, true, false),
              tf.sum(d, 0),
            ];
            releaseHeld(flat);
            return grads;
          },
        };
      });
      return f(x, w, b) as tf.Tensor4D;
    },
    dispose() {
      w.dispose();
      b.dispose();
    },
  };
}

/** Two classes by the red channel (+-0.6 with noise), some pixels IGNORE_INDEX (255). */
export function colourData(opts: { images: number; batch: number; size?: number; seed?: number }): LoopData {
  const size = opts.size ?? 16;
  const rng = Rng.fromSeed(opts.seed ?? 7);
  const make = (): LoopBatch => {
    const n = opts.batch;
    const px = n * size * size;
    const images = new Float32Array(px * 3);
    const labels = new Int32Array(px);
    for (let i = 0; i < px; i++) {
      const c = rng.next() < 0.5 ? 0 : 1;
      labels[i] = rng.next() < 0.05 ? 255 : c;
      images[3 * i] = (c ? 0.6 : -0.6) + rng.normal() * 0.3;
      images[3 * i + 1] = rng.normal() * 0.3;
      images[3 * i + 2] = rng.normal() * 0.3;
    }
    return { images, labels, n, height: size, width: size };
  };
  const steps = Math.floor(opts.images / opts.batch);
  const train = Array.from({ length: steps }, make);
  const val = [make()];
  return {
    stepsPerEpoch: steps,
    async *trainEpoch() {
      yield* train;
    },
    async *val() {
      yield* val;
    },
  };
}
