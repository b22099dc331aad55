/**
 * The epoch/step loop: forward, masked cross-entropy, gradients, optimizer update, periodic
 * logging, evaluation after the epochs past NAS_START_EVAL_EPOCH, early stop on request, and a
 * typed failure when the loss stops being finite. Model and data come in through small
 * interfaces so the loop is testable with stand-ins; train-architecture.ts wires the real ones.
 */
import { tf } from "../backend/tf";
import type { Logger } from "pino";
import { TrainingError } from "@segnas/core";
import { releaseBackwardTensors, softmaxCrossEntropy } from "../ops";
import { assertWebgpuHealthy, readOnDevice } from "../backend/webgpu";
import { learningRateAt, type LrScheduleOptions } from "./lr-schedule";
import { createOptimizer, type OptimizerOptions } from "./optimizer";
import { bestOf, type EpochEvent, type EpochRecord, type StepProgress } from "./trial-types";

/** One batch, NHWC images already normalised, labels with IGNORE_INDEX for "don't care". */
export interface LoopBatch {
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly n: number;
  readonly height: number;
  readonly width: number;
}

export interface LoopData {
  /** Batches per training epoch (the schedule's unit). */
  readonly stepsPerEpoch: number;
  trainEpoch(epoch: number): AsyncIterable<LoopBatch>;
  val(): AsyncIterable<LoopBatch>;
}

/** What the loop needs of a model. */
export interface LoopModel {
  forward(x: tf.Tensor4D, training: boolean): tf.Tensor4D;
  readonly trainableVariables: readonly tf.Variable[];
  /** Folds the last training forward's batch statistics into the BN running averages. */
  updateBatchNormStats?(): void;
}

/** Accumulates predictions against labels (core's ConfusionMatrix fits this). */
export interface MiouAccumulator {
  update(labels: ArrayLike<number>, preds: ArrayLike<number>): unknown;
  miou(): number;
}

export interface LoopOptions {
  readonly model: LoopModel;
  readonly data: LoopData;
  readonly numClasses: number;
  readonly ignoreIndex: number;
  readonly epochs: number;
  /** SLIM.NAS_START_EVAL_EPOCH: evaluate after epochs greater than this (-1 and 0: every epoch). */
  readonly startEvalEpoch: number;
  readonly schedule: Omit<LrScheduleOptions, "totalSteps" | "stepsPerEpoch">;
  readonly optimizer: OptimizerOptions;
  readonly newAccumulator: () => MiouAccumulator;
  readonly logger: Logger;
  /** Log every N steps (0: only per epoch). */
  readonly logSteps?: number;
  /** Polled before every step and before evaluation. */
  readonly shouldStop?: () => boolean;
  readonly onStep?: (p: StepProgress) => void;
  readonly onEpoch?: (e: EpochEvent) => void;
  /** Test hook: pretend the loss is NaN at this global step (1-based). */
  readonly nanAtStep?: number;
  /** Injected clock (ms) for logging; Date.now by default. */
  readonly now?: () => number;
}

export interface LoopResult {
  readonly status: "completed" | "stopped";
  readonly curve: EpochRecord[];
  readonly reward: number;
  readonly bestEpoch: number | null;
  readonly stepsDone: number;
  readonly finalLoss: number | null;
}

/** Thrown when the loss is NaN/Inf: the trial fails with SEGNAS_E_TRAINING. */
export class NonFiniteLossError extends TrainingError<{ epoch: number; step: number; loss: number }> {}

export async function trainLoop(o: LoopOptions): Promise<LoopResult> {
  const now = o.now ?? Date.now;
  const stepsPerEpoch = o.data.stepsPerEpoch;
  const totalSteps = stepsPerEpoch * o.epochs;
  const sched: LrScheduleOptions = { ...o.schedule, totalSteps, stepsPerEpoch };
  const optimizer = createOptimizer(o.optimizer);
  const vars = o.model.trainableVariables as tf.Variable[];
  const shouldStop = o.shouldStop ?? (() => false);
  const logSteps = o.logSteps ?? 0;
  const curve: EpochRecord[] = [];
  let globalStep = 0;
  const started = now();
  let stopped = false;

  try {
    for (let epoch = 1; epoch <= o.epochs && !stopped; epoch++) {
      const epochStart = now();
      let lossSum = 0;
      let steps = 0;
      let images = 0;
      let lr = learningRateAt(globalStep, sched);
      let windowStart = now();
      let windowSteps = 0;
      for await (const batch of o.data.trainEpoch(epoch)) {
        // In-process batches resolve as microtasks: yield to the event loop once a step so IPC
        // messages (stop requests) and timers are seen during a long epoch.
        await yieldToEventLoop();
        if (shouldStop()) {
          stopped = true;
          break;
        }
        lr = learningRateAt(globalStep, sched);
        let loss = await trainStep(o, optimizer, vars, batch, lr);
        globalStep++;
        steps++;
        images += batch.n;
        windowSteps++;
        if (o.nanAtStep === globalStep) loss = Number.NaN;
        if (!Number.isFinite(loss)) {
          throw new NonFiniteLossError(
            `loss became ${Number.isNaN(loss) ? "NaN" : "Inf"} at epoch ${epoch} step ${steps}; try a lower SOLVER.LR`,
            { epoch, step: steps, loss },
          );
        }
        lossSum += loss;
        const t = now();
        const elapsed = Math.max(1e-3, (t - started) / 1000);
        const stepsPerSecond = globalStep / elapsed;
        const etaSeconds = (totalSteps - globalStep) / Math.max(1e-9, stepsPerSecond);
        o.onStep?.({
          epoch,
          epochs: o.epochs,
          step: steps,
          stepsPerEpoch,
          loss,
          lr,
          stepsPerSecond,
          etaSeconds,
        });
        if (logSteps > 0 && globalStep % logSteps === 0) {
          const windowSps = windowSteps / Math.max(1e-3, (t - windowStart) / 1000);
          o.logger.info(
            {
              epoch,
              step: globalStep,
              lr: round(lr, 6),
              loss: round(loss, 5),
              stepsPerSec: round(windowSps, 3),
              etaSeconds: Math.round(etaSeconds),
            },
            `epoch=${epoch} step=${globalStep} lr=${lr.toExponential(3)} loss=${loss.toFixed(4)} step/sec=${windowSps.toFixed(3)} | ETA ${formatEta(etaSeconds)}`,
          );
          windowStart = t;
          windowSteps = 0;
        }
      }
      // A stop inside an epoch drops the partial epoch: its loss is not comparable and a
      // stop request wants the process back quickly, not an extra evaluation.
      if (stopped || steps === 0) break;
      const trainSeconds = (now() - epochStart) / 1000;
      let miou: number | null = null;
      const evalStart = now();
      if (epoch > o.startEvalEpoch && !shouldStop()) miou = await evaluateModel(o);
      const record: EpochRecord = {
        epoch,
        miou,
        loss: lossSum / steps,
        lr,
        steps,
        trainSeconds: round(trainSeconds, 3),
        evalSeconds: round((now() - evalStart) / 1000, 3),
        imagesPerSecond: round(images / Math.max(1e-3, trainSeconds), 3),
      };
      curve.push(record);
      const best = bestOf(curve);
      o.logger.info(
        {
          epoch,
          miou,
          loss: round(record.loss, 5),
          lr: round(lr, 6),
          bestMiou: best.reward,
          imagesPerSecond: record.imagesPerSecond,
        },
        `epoch ${epoch}/${o.epochs} done: loss=${record.loss.toFixed(4)}${miou === null ? "" : ` mIoU=${miou.toFixed(4)}`} (${record.imagesPerSecond.toFixed(2)} img/s)`,
      );
      o.onEpoch?.({ epoch, epochs: o.epochs, miou, loss: record.loss, lr, bestMiou: best.reward, record });
      // Stopped between epochs, or an evaluation abandoned because of a stop request.
      const evalAbandoned = miou === null && epoch > o.startEvalEpoch;
      if ((epoch < o.epochs || evalAbandoned) && shouldStop()) stopped = true;
    }
  } finally {
    optimizer.dispose();
  }
  const best = bestOf(curve);
  const last = curve[curve.length - 1];
  return {
    status: stopped ? "stopped" : "completed",
    curve,
    reward: best.reward,
    bestEpoch: best.bestEpoch,
    stepsDone: globalStep,
    finalLoss: last ? last.loss : null,
  };
}

async function trainStep(
  o: LoopOptions,
  optimizer: ReturnType<typeof createOptimizer>,
  vars: tf.Variable[],
  batch: LoopBatch,
  lr: number,
): Promise<number> {
  const { n, height: h, width: w } = batch;
  const x = tf.tensor4d(batch.images, [n, h, w, 3]);
  const labels = tf.tensor3d(batch.labels, [n, h, w], "int32");
  let grads: tf.NamedTensorMap = {};
  let value: tf.Tensor | undefined;
  try {
    const r = tf.variableGrads(
      () => softmaxCrossEntropy(o.model.forward(x, true), labels, { ignoreIndex: o.ignoreIndex }),
      vars,
    );
    grads = r.grads;
    value = r.value;
    // Async read: a synchronous one throws on webgpu in Node (no OffscreenCanvas). The update
    // waits for the loss so that a non-finite loss leaves the weights as they were.
    const loss = (await readOnDevice(value.data()))[0] as number;
    // A lost GPU device or an out-of-memory error shows up here, as a typed failure.
    assertWebgpuHealthy();
    if (Number.isFinite(loss)) {
      optimizer.apply(vars, grads, lr);
      o.model.updateBatchNormStats?.();
    }
    return loss;
  } finally {
    value?.dispose();
    tf.dispose(grads);
    x.dispose();
    labels.dispose();
    // Tensors custom ops held for a backward pass that did not run (ops/backward-store).
    releaseBackwardTensors();
  }
}

/** Runs the model over the validation batches and returns the mIoU (null if stopped midway). */
export async function evaluateModel(
  o: Pick<LoopOptions, "model" | "data" | "newAccumulator" | "shouldStop">,
): Promise<number | null> {
  const acc = o.newAccumulator();
  for await (const batch of o.data.val()) {
    await yieldToEventLoop();
    if (o.shouldStop?.()) return null;
    const pred = tf.tidy(() => {
      const x = tf.tensor4d(batch.images, [batch.n, batch.height, batch.width, 3]);
      return tf.argMax(o.model.forward(x, false), -1);
    });
    const p = (await readOnDevice(pred.data())) as Int32Array;
    pred.dispose();
    assertWebgpuHealthy();
    acc.update(batch.labels, p);
  }
  return acc.miou();
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function round(x: number, digits: number): number {
  const f = Math.pow(10, digits);
  return Math.round(x * f) / f;
}

export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (v: number) => String(v).padStart(2, "0");
  return `${pad(h)}:${pad(m)}:${pad(sec)}`;
}
