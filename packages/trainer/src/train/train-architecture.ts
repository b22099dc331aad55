/**
 * trainArchitecture: one trial, in this process. Config -> backend -> fresh seeded model ->
 * data loaders -> trainLoop -> saved model + arch.json + metrics.json in the trial directory.
 * Every failure comes back as a `failed` outcome with a stable code (never a throw), so the
 * child process and in-process callers handle one shape. runTrial wraps this in a child process.
 */
import * as fs from "fs";
import * as path from "path";
import type { Logger } from "pino";
import {
  ConfusionMatrix,
  costModel,
  headFromFlags,
  isSegnasError,
  MobileNetV2SpaceSeg,
  type MobileNetV2SegArch,
} from "@segnas/core";
import { checkSupported, configToYaml, getConfigValue, loadConfig, type SegConfig } from "@segnas/config";
import { createDataLoader, dataOptionsFromConfig, type DataLoader } from "../data";
import { trainLoop, type LoopData } from "./train-loop";
import { isLrPolicy } from "./lr-schedule";
import type { SegModel } from "../model";
import { buildTrialModel, useBackend } from "./wiring";
import type { OptimizerName } from "./optimizer";
import {
  type EpochEvent,
  type FailedOutcome,
  type StepProgress,
  type TrialMetrics,
  type TrialOutcome,
  type EpochRecord,
} from "./trial-types";

export interface TrainArchitectureOptions {
  readonly tokens?: readonly number[];
  readonly arch?: MobileNetV2SegArch;
  /** A loaded config; otherwise configFile + overrides are loaded here. */
  readonly config?: SegConfig;
  readonly configFile?: string;
  readonly overrides?: readonly string[];
  /** Where the model, arch.json and metrics.json go (created); null keeps nothing. */
  readonly trialDir: string | null;
  /** Backend preference; default SEGNAS.BACKEND ("auto"). */
  readonly backend?: string;
  readonly logger: Logger;
  readonly logSteps?: number;
  readonly useMpio?: boolean;
  readonly signal?: AbortSignal;
  /** Polled between steps; a non-empty string (the reason) or true stops the trial. */
  readonly shouldStop?: () => string | boolean | null | undefined;
  readonly onStarted?: (info: { backend: string; params: number; flops: number | null }) => void;
  readonly onEpoch?: (e: EpochEvent) => void;
  readonly onProgress?: (p: StepProgress) => void;
  /** Called after each global step (1-based), e.g. test hooks. */
  readonly onStep?: (globalStep: number) => void;
  /** Test hook: the loss of this global step is taken as NaN. */
  readonly nanAtStep?: number;
}

export async function trainArchitecture(opts: TrainArchitectureOptions): Promise<TrialOutcome> {
  const started = Date.now();
  const log = opts.logger;
  let backend: string | null = null;
  const curve: EpochRecord[] = [];
  let model: SegModel | null = null;
  const loaders: DataLoader[] = [];
  try {
    const cfg = opts.config ?? loadConfig({ file: opts.configFile, overrides: opts.overrides }).config;
    checkSupported(cfg);
    const space = new MobileNetV2SpaceSeg();
    const arch = opts.arch ?? space.decode(opts.tokens ?? space.initTokens);
    const classes = cfg.DATASET.NUM_CLASSES;
    const ignoreIndex = cfg.DATASET.IGNORE_INDEX;
    const head = headFromFlags(cfg.MODEL.DEEPLAB.ENCODER_WITH_ASPP, cfg.MODEL.DEEPLAB.ENABLE_DECODER);
    const [cropW, cropH] = cfg.TRAIN_CROP_SIZE as [number, number];
    const seed = cfg.SEGNAS.SEED;

    const data = dataOptionsFromConfig((k) => getConfigValue(cfg, k));
    const train = createDataLoader(data, { phase: "train", seed, mpio: opts.useMpio ?? false });
    loaders.push(train);
    const val = createDataLoader(data, { phase: "eval", seed, mpio: opts.useMpio ?? false });
    loaders.push(val);

    const selected = await useBackend(opts.backend ?? cfg.SEGNAS.BACKEND, log);
    backend = selected.backend;
    model = buildTrialModel(arch, { classes, head, seed, formulation: selected.formulation });
    const params = model.paramCount().trainable;
    const flops = costModel(arch, { height: cropH, width: cropW, classes, head }).flops;
    log.info(
      { backend, params, flops, tokens: arch.tokens, head, train: train.numSamples, val: val.numSamples },
      `training ${arch.tokens.join(",")} on ${backend}: ${params} params, ${flops} FLOPs/image at ${cropW}x${cropH}, ${train.numSamples} train / ${val.numSamples} val images`,
    );
    opts.onStarted?.({ backend, params, flops });

    const loopData: LoopData = {
      stepsPerEpoch: train.batchesPerEpoch(),
      trainEpoch: (epoch) => train.epoch(epoch),
      val: () => val.epoch(0),
    };
    const solver = cfg.SOLVER;
    if (!isLrPolicy(solver.LR_POLICY)) throw new Error(`unsupported LR policy ${solver.LR_POLICY}`);
    let globalStep = 0;
    const stopReason = (): string | null => {
      if (opts.signal?.aborted) return abortReason(opts.signal);
      const r = opts.shouldStop?.();
      if (r === true) return "stop requested";
      return typeof r === "string" && r !== "" ? r : null;
    };
    let stopped: string | null = null;
    const result = await trainLoop({
      model,
      data: loopData,
      numClasses: classes,
      ignoreIndex,
      epochs: solver.NUM_EPOCHS,
      startEvalEpoch: cfg.SLIM.NAS_START_EVAL_EPOCH,
      schedule: {
        baseLr: solver.LR,
        policy: solver.LR_POLICY,
        power: solver.POWER,
        gamma: solver.GAMMA,
        decayEpochs: solver.DECAY_EPOCH,
        numEpochs: solver.NUM_EPOCHS,
        warmupSteps: solver.LR_WARMUP ? solver.LR_WARMUP_STEPS : 0,
      },
      optimizer: {
        name: solver.OPTIMIZER as OptimizerName,
        momentum: solver.MOMENTUM,
        momentum2: solver.MOMENTUM2,
        weightDecay: solver.WEIGHT_DECAY,
      },
      newAccumulator: () => new ConfusionMatrix(classes, ignoreIndex),
      logger: log,
      logSteps: opts.logSteps,
      shouldStop: () => {
        stopped = stopped ?? stopReason();
        return stopped !== null;
      },
      onStep: (p) => {
        globalStep++;
        opts.onProgress?.(p);
        opts.onStep?.(globalStep);
      },
      onEpoch: (e) => {
        curve.push(e.record);
        opts.onEpoch?.(e);
      },
      nanAtStep: opts.nanAtStep,
    });

    const durationMs = Date.now() - started;
    const metrics: TrialMetrics = {
      status: result.status,
      tokens: [...arch.tokens],
      reward: result.reward,
      bestEpoch: result.bestEpoch,
      curve: result.curve,
      finalLoss: result.finalLoss,
      params,
      flops,
      inputSize: { height: cropH, width: cropW },
      backend,
      epochs: solver.NUM_EPOCHS,
      stepsDone: result.stepsDone,
      durationMs,
      ...(result.status === "stopped" ? { stoppedReason: stopped ?? "stop requested" } : {}),
      solver: {
        LR: solver.LR,
        LR_POLICY: solver.LR_POLICY,
        OPTIMIZER: solver.OPTIMIZER,
        MOMENTUM: solver.MOMENTUM,
        MOMENTUM2: solver.MOMENTUM2,
        POWER: solver.POWER,
        WEIGHT_DECAY: solver.WEIGHT_DECAY,
        NUM_EPOCHS: solver.NUM_EPOCHS,
        BATCH_SIZE: cfg.BATCH_SIZE,
      },
    };
    const modelDir = opts.trialDir
      ? await saveTrial(opts.trialDir, model, arch, head, classes, metrics, cfg)
      : null;
    log.info(
      { reward: result.reward, bestEpoch: result.bestEpoch, status: result.status, durationMs, modelDir },
      `trial ${result.status}: reward (best mIoU) ${result.reward.toFixed(4)} in ${(durationMs / 1000).toFixed(1)} s`,
    );
    if (result.status === "stopped") {
      return {
        status: "stopped",
        reward: result.reward,
        curve: result.curve,
        reason: stopped ?? "stop requested",
        metrics,
        modelDir,
        durationMs,
        backend,
      };
    }
    return {
      status: "completed",
      reward: result.reward,
      metrics,
      curve: result.curve,
      modelDir,
      durationMs,
      backend,
    };
  } catch (e) {
    const failed: FailedOutcome = {
      status: "failed",
      ...describeFailure(e),
      durationMs: Date.now() - started,
      curve,
      backend,
    };
    log.error({ code: failed.code, reason: failed.reason }, `trial failed: ${failed.reason}`);
    return failed;
  } finally {
    model?.dispose();
    await Promise.all(loaders.map((l) => l.close().catch(() => undefined)));
  }
}

function describeFailure(e: unknown): Pick<FailedOutcome, "reason" | "code"> {
  if (isSegnasError(e)) return { reason: e.message, code: e.code };
  const err = e instanceof Error ? e : new Error(String(e));
  if (
    /Aborted\(|abort\(|Cannot enlarge memory|out of memory|memory access out of bounds/i.test(err.message)
  ) {
    return {
      reason: `the backend ran out of memory or aborted (${err.message}); the wasm heap is capped at 4 GiB: lower BATCH_SIZE or TRAIN_CROP_SIZE`,
      code: "SEGNAS_E_TRAINING",
    };
  }
  return { reason: `training crashed: ${err.name}: ${err.message}`, code: "SEGNAS_E_TRAINING" };
}

function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  if (typeof r === "string" && r) return r;
  if (r instanceof Error && r.name !== "AbortError" && r.message) return r.message;
  return "stop requested";
}

/** Writes model/ (tfjs format), arch.json and metrics.json; returns the model directory. */
async function saveTrial(
  trialDir: string,
  model: SegModel,
  arch: MobileNetV2SegArch,
  head: string,
  classes: number,
  metrics: TrialMetrics,
  cfg: SegConfig,
): Promise<string> {
  fs.mkdirSync(trialDir, { recursive: true });
  const modelDir = path.join(trialDir, "model");
  await model.save(modelDir);
  writeJson(path.join(trialDir, "arch.json"), {
    space: arch.space,
    tokens: arch.tokens,
    head,
    classes,
    inputSize: metrics.inputSize,
    seed: cfg.SEGNAS.SEED,
    arch,
    // Config paths are relative to the working directory (as in PaddleSeg): `segnas export` needs it.
    cwd: process.cwd(),
  });
  writeJson(path.join(trialDir, "metrics.json"), metrics);
  // The effective config this trial trained with (budget overrides included), for `segnas export`.
  writeText(path.join(trialDir, "config.yaml"), configToYaml(cfg));
  return modelDir;
}

/** Write-then-rename, so a reader never sees half a file. */
function writeText(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

function writeJson(file: string, value: unknown): void {
  writeText(file, JSON.stringify(value, null, 2) + "\n");
}
