/**
 * Softmax cross-entropy over pixels with an ignore label (PaddleSeg's softmax_loss with
 * IGNORE_INDEX): the mean over the pixels whose label is not `ignoreIndex`. One custom-gradient
 * op: the gradient (softmax - onehot) * valid / count needs no autodiff bookkeeping.
 * A pixel's loss is floored at 1e-30 probability (capped at ~69 nats); gradients are exact.
 */
import { tf } from "../backend/tf";
import { holdOwn as hold, releaseHeld } from "./backward-store";

export interface SegLossOptions {
  /** Label value that contributes nothing (default 255). */
  readonly ignoreIndex?: number;
}

/**
 * logits [N, H, W, K] (float32), labels [N, H, W] or [N, H, W, 1] (int32 class ids, or
 * ignoreIndex). Labels in [K, ignoreIndex) count as pixels with no correct class (loss =
 * logsumexp); the data pipeline should reject them. Returns a scalar; 0 when every pixel is
 * ignored.
 */
export function softmaxCrossEntropy(
  logits: tf.Tensor4D,
  labels: tf.Tensor,
  opts: SegLossOptions = {},
): tf.Scalar {
  const ignore = opts.ignoreIndex ?? 255;
  const [n, h, w, k] = logits.shape;
  const p = n * h * w;
  if (labels.size !== p) {
    throw new Error(`softmaxCrossEntropy: ${labels.size} labels for ${p} pixels (logits ${logits.shape})`);
  }
  const op = tf.customGrad((..._args: unknown[]) => {
    const z = tf.reshape(logits, [p, k]) as tf.Tensor2D;
    const lab = tf.reshape(labels.dtype === "int32" ? labels : tf.cast(labels, "int32"), [p]);
    // One Softmax kernel (max-subtracted) instead of max / sub / exp / sum: exp is the costly
    // part on wasm. The loss uses log of the picked probability, floored at 1e-30 (a pixel's loss
    // is capped at ~69); the gradient softmax - onehot is exact either way.
    const prob = hold(tf.softmax(z));
    // int32 then cast: wasm's OneHot ignores dtype "float32" (writes int bits into floats).
    const onehot = hold(tf.cast(tf.oneHot(lab, k), "float32") as tf.Tensor2D);
    const valid = hold(tf.reshape(tf.cast(tf.notEqual(lab, ignore), "float32"), [p, 1]));
    const count = hold(tf.maximum(tf.sum(valid), 1));
    const picked = tf.sum(tf.mul(prob, onehot), 1, true);
    const nll = tf.neg(tf.log(tf.maximum(picked, 1e-30)));
    const value = tf.div(tf.sum(tf.mul(nll, valid)), count) as tf.Scalar;
    return {
      value,
      gradFunc: (dy: tf.Scalar) =>
        tf.tidy(() => {
          const scale = tf.div(dy, count);
          const g = tf.reshape(
            tf.sub(tf.mul(prob, tf.mul(valid, scale)), tf.mul(onehot, scale)),
            logits.shape,
          );
          releaseHeld(prob, onehot, valid, count);
          return g;
        }),
    };
  });
  return op(logits) as tf.Scalar;
}
