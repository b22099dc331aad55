/** Helpers for the trainer's tfjs tests (not exported from the package). */
import { tf } from "../backend/tf";

/** max |a - b| / max(1, max |b|). */
export function relDiff(a: tf.Tensor, b: tf.Tensor): number {
  if (a.shape.join() !== b.shape.join()) throw new Error(`shape ${a.shape} vs ${b.shape}`);
  return relDiffValues(a.dataSync(), b.dataSync());
}

/** relDiff of values already read back (the same length: the caller checks the shapes). */
export function relDiffValues(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return diff / scale;
}

export function randn(shape: number[], seed: number, std = 1): tf.Tensor {
  return tf.randomNormal(shape, 0, std, "float32", seed);
}

/** Gradients of sum(f(xs) * r) w.r.t. xs, with a fixed random r (so every output matters). */
export function weightedGrads(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  xs: tf.Tensor[],
  seed = 7,
): { y: tf.Tensor; grads: tf.Tensor[] } {
  let y: tf.Tensor | undefined;
  const g = tf.grads((...args: tf.Tensor[]) => {
    const out = f(...args);
    y = tf.keep(tf.clone(out));
    return tf.sum(tf.mul(out, randn(out.shape, seed)));
  });
  const grads = g(xs);
  return { y: y as tf.Tensor, grads };
}

export async function useCpuBackend(): Promise<void> {
  await tf.setBackend("cpu");
  await tf.ready();
}
