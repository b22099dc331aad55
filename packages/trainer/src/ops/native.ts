/**
 * The "native" formulation: tfjs conv kernels with tfjs-core's autodiff and a plain-ops batch
 * norm. Meant for tfjs-node (TensorFlow's kernels include every gradient); it also runs on the
 * cpu backend, where the tests use it as the reference for the portable ops. Dilated depthwise
 * convs go through spaceToBatchND / batchToSpaceND, because tfjs-core has no gradient for a
 * dilated depthwise kernel.
 */
import { tf } from "../backend/tf";
import { convGeometry, explicitPads } from "./padding";
import { applyActivation } from "./primitives";
import type {
  BatchNormParams,
  BatchStats,
  ConvOptions,
  DepthwiseOptions,
  Formulation,
  LayerResult,
} from "./types";

/** Training-mode BN from plain ops (exact under autodiff); returns the output and kept stats. */
export function batchNormTrainingNative(
  y: tf.Tensor4D,
  bn: BatchNormParams,
): { z: tf.Tensor4D; stats: BatchStats } {
  const { mean, variance } = tf.moments(y, [0, 1, 2]);
  const xhat = tf.mul(tf.sub(y, mean), tf.rsqrt(tf.add(variance, bn.epsilon)));
  const z = tf.add(tf.mul(xhat, bn.gamma), bn.beta) as tf.Tensor4D;
  const stats = {
    mean: tf.keep(tf.clone(mean)) as tf.Tensor1D,
    variance: tf.keep(tf.clone(variance)) as tf.Tensor1D,
  };
  return { z, stats };
}

function finish(
  y: tf.Tensor4D,
  bn: BatchNormParams | undefined,
  bias: tf.Tensor1D | undefined,
  act: ConvOptions["act"],
): LayerResult {
  let out = bias ? (tf.add(y, bias) as tf.Tensor4D) : y;
  let stats: BatchStats | undefined;
  if (bn) {
    const r = batchNormTrainingNative(out, bn);
    out = r.z;
    stats = r.stats;
  }
  out = applyActivation(out, act);
  return stats ? { y: out, stats } : { y: out };
}

/** Depthwise conv with SAME padding; dilation > 1 via spaceToBatchND (differentiable). */
export function depthwiseNative(
  x: tf.Tensor4D,
  f: tf.Tensor4D,
  stride: number,
  dilation: number,
): tf.Tensor4D {
  const g = convGeometry(x.shape, f.shape[0], f.shape[1], stride, dilation);
  if (dilation === 1) return tf.depthwiseConv2d(x, f, stride, explicitPads(g));
  if (stride !== 1) throw new Error("depthwise: stride or dilation must be 1");
  const d = dilation;
  const xp = tf.pad(x, explicitPads(g));
  const [, hp, wp] = xp.shape;
  const eh = (d - (hp % d)) % d;
  const ew = (d - (wp % d)) % d;
  const xs = tf.spaceToBatchND(
    xp,
    [d, d],
    [
      [0, eh],
      [0, ew],
    ],
  );
  const ys = tf.depthwiseConv2d(xs as tf.Tensor4D, f, 1, "valid");
  const fullH = ys.shape[1] * d;
  const fullW = ys.shape[2] * d;
  return tf.batchToSpaceND(
    ys,
    [d, d],
    [
      [0, fullH - g.h],
      [0, fullW - g.w],
    ],
  ) as tf.Tensor4D;
}

export const nativeFormulation: Formulation = {
  name: "native",
  conv(x, w, opts) {
    const g = convGeometry(x.shape, w.shape[0], w.shape[1], opts.stride ?? 1, 1);
    const y = tf.conv2d(x, w, g.stride, explicitPads(g));
    return finish(y, opts.bn, opts.bias, opts.act);
  },
  depthwise(x, w, opts: DepthwiseOptions) {
    const y = depthwiseNative(x, w, opts.stride ?? 1, opts.dilation ?? 1);
    return finish(y, opts.bn, undefined, opts.act);
  },
};
