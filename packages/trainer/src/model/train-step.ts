/**
 * One SGD-with-momentum step (PaddleSeg's solver: velocity = mu * velocity + grad,
 * param -= lr * velocity, L2 weight decay added to the gradient) on a SegModel:
 * forward (batch-statistics BN), masked softmax cross-entropy, backward, update, then the BN
 * running averages. Equivalent by hand:
 *
 *   const { value, grads } = tf.variableGrads(
 *     () => softmaxCrossEntropy(model.forward(x, true), labels), model.trainableVariables);
 *   optimizer.applyGradients(grads);
 *   model.updateBatchNormStats();
 *   releaseBackwardTensors();
 */
import { tf } from "../backend/tf";
import { releaseBackwardTensors } from "../ops/backward-store";
import { softmaxCrossEntropy } from "../ops/loss";
import type { SegModel } from "./seg-model";

export interface TrainStepOptions {
  /** Initial learning rate (step() may pass a new one each step, e.g. the poly schedule). */
  readonly learningRate: number;
  /** SGD momentum (SOLVER.MOMENTUM, default 0.9). */
  readonly momentum?: number;
  /** L2 weight decay added to the gradient (SOLVER.WEIGHT_DECAY, default 4e-5). */
  readonly weightDecay?: number;
  /**
   * Also decay BN gamma/beta and the logit bias. Default false: PaddleSeg gives BN parameters
   * a zero-decay regularizer.
   */
  readonly decayAllParams?: boolean;
  /** Label ignored by the loss (DATASET.IGNORE_INDEX, default 255). */
  readonly ignoreIndex?: number;
}

export interface TrainStep {
  /**
   * One step on images [N, H, W, 3] (normalised float32) and labels [N, H, W] (int32).
   * Resolves to the loss before the update (NaN/Infinity is returned, not thrown: the caller
   * decides). Every tensor it creates is disposed. The loss is read asynchronously: a
   * synchronous read of GPU data throws on webgpu in Node.
   */
  step(images: tf.Tensor4D, labels: tf.Tensor, learningRate?: number): Promise<number>;
  readonly optimizer: tf.MomentumOptimizer;
  dispose(): void;
}

export function createTrainStep(model: SegModel, opts: TrainStepOptions): TrainStep {
  const optimizer = tf.train.momentum(opts.learningRate, opts.momentum ?? 0.9);
  const wd = opts.weightDecay ?? 4e-5;
  const decayed = new Set(
    model.trainableVariables
      .filter((v) => opts.decayAllParams || v.name.endsWith(".weight"))
      .map((v) => v.name),
  );
  return {
    optimizer,
    async step(images, labels, learningRate) {
      if (learningRate !== undefined) optimizer.setLearningRate(learningRate);
      let lossTensor: tf.Tensor | undefined;
      try {
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(
            () => softmaxCrossEntropy(model.forward(images, true), labels, { ignoreIndex: opts.ignoreIndex }),
            model.trainableVariables,
          );
          if (wd > 0) {
            for (const v of model.trainableVariables) {
              if (decayed.has(v.name)) grads[v.name] = tf.add(grads[v.name] as tf.Tensor, tf.mul(v, wd));
            }
          }
          optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]);
          lossTensor = tf.keep(value);
        });
        model.updateBatchNormStats();
      } finally {
        releaseBackwardTensors();
      }
      const t = lossTensor as tf.Tensor;
      try {
        return (await t.data())[0] as number;
      } finally {
        t.dispose();
      }
    },
    dispose() {
      optimizer.dispose();
      // tfjs's MomentumOptimizer.dispose() leaves its SGD parent's learning-rate scalar behind.
      (optimizer as unknown as { c?: tf.Tensor }).c?.dispose();
    },
  };
}
