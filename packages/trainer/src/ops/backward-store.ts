/**
 * Tensors a custom op keeps from its forward pass for its backward pass.
 *
 * tfjs's `save()` inside tf.customGrad clones every saved tensor, and on the wasm backend a
 * clone is a full copy (the Identity kernel copies). Our ops instead tf.keep() what they need
 * and dispose it when their gradient has run. A gradient that never runs (the op was not on
 * the path to the loss) would leak, so everything held is tracked here and
 * releaseBackwardTensors() frees the leftovers; the model calls it at the start of every
 * training forward and the train step after every step.
 */
import { tf, isRecordingGradients } from "../backend/tf";

const held = new Set<tf.Tensor>();

/**
 * Returns an alias of `t` (a reshape: same data, no copy) that stays alive for the backward pass
 * when a gradient tape is recording; use the alias in the gradient function. tfjs disposes
 * every intermediate of the forward pass (inputs and outputs of our ops included) before it
 * runs any gradient, and the caller may own `t`, so `t` itself is never kept. Without a tape,
 * returns `t` (nothing will need it).
 */
export function holdForBackward<T extends tf.Tensor>(t: T): T {
  if (!isRecordingGradients()) return t;
  const alias = tf.keep(tf.reshape(t, t.shape)) as T;
  held.add(alias);
  return alias;
}

/**
 * Keeps a tensor the op created itself (not an input, not its output) for the backward pass,
 * without an alias: nobody else can dispose it. Without a tape, returns it untouched.
 */
export function holdOwn<T extends tf.Tensor>(t: T): T {
  if (!isRecordingGradients()) return t;
  tf.keep(t);
  held.add(t);
  return t;
}

/** Disposes tensors held by holdForBackward (call at the end of a gradient function). */
export function releaseHeld(...tensors: (tf.Tensor | undefined)[]): void {
  for (const t of tensors) {
    if (t && held.delete(t)) t.dispose();
  }
}

/** Frees every tensor still held for a backward pass; returns how many there were. */
export function releaseBackwardTensors(): number {
  const n = held.size;
  for (const t of held) t.dispose();
  held.clear();
  return n;
}

/** Number of tensors currently held for backward passes (for leak tests). */
export function heldBackwardTensorCount(): number {
  return held.size;
}
