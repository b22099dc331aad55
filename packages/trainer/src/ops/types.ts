import type { tf } from "../backend/tf";
import type { Activation } from "./primitives";

/** Trainable batch-norm parameters of one layer (training mode uses the batch statistics). */
export interface BatchNormParams {
  readonly gamma: tf.Tensor1D;
  readonly beta: tf.Tensor1D;
  readonly epsilon: number;
}

/**
 * Batch statistics a training-mode BN computed (mean and biased variance per channel): host
 * arrays from the portable ops, tensors from the native ones. The caller owns tensors (they are
 * kept out of every tidy) and must dispose them (tf.dispose ignores the arrays).
 */
export interface BatchStats {
  readonly mean: tf.Tensor1D | Float32Array;
  readonly variance: tf.Tensor1D | Float32Array;
}

/** The output of a conv (+ BN) (+ activation) layer op. */
export interface LayerResult {
  readonly y: tf.Tensor4D;
  /** Present when the layer has a BN: the batch statistics, for the running averages. */
  readonly stats?: BatchStats;
}

export interface ConvOptions {
  readonly stride?: number;
  readonly bn?: BatchNormParams;
  readonly bias?: tf.Tensor1D;
  readonly act: Activation;
  /**
   * False when x needs no gradient (the image into the stem): skips the input-gradient work.
   * Default true.
   */
  readonly inputGrad?: boolean;
}

export interface DepthwiseOptions {
  readonly stride?: number;
  readonly dilation?: number;
  readonly bn?: BatchNormParams;
  readonly act: Activation;
}

/**
 * How a network layer is computed. "native" uses tfjs's conv kernels and autodiff (right for
 * tfjs-node, whose TensorFlow kernels include every gradient); "portable" uses custom-gradient
 * ops built only from kernels the wasm and cpu backends have (see ops/portable-*.ts).
 * Both compute the same function and the same gradients (tests pin that).
 */
export interface Formulation {
  readonly name: "native" | "portable";
  /** Full kxk conv (SAME padding), weights [k, k, cin, cout]; 1x1 convs take [1, 1, cin, cout]. */
  conv(x: tf.Tensor4D, w: tf.Tensor4D, opts: ConvOptions): LayerResult;
  /** kxk depthwise conv (SAME padding), weights [k, k, c, 1]; stride or dilation must be 1. */
  depthwise(x: tf.Tensor4D, w: tf.Tensor4D, opts: DepthwiseOptions): LayerResult;
}
