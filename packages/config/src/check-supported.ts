/**
 * What a loaded (type-correct) config must also satisfy for segnas to run it: the model family
 * segnas implements and cross-key sanity that PaddleSeg only discovers mid-run. All problems are
 * reported at once. Command-specific needs (SLIM.NAS_SPACE_NAME for a search, NAS_ADDRESS for a
 * worker) are checked by the command that needs them.
 */
import type { LoadedConfig } from "./build-config";
import { ConfigError } from "./errors";
import type { SegConfig } from "./seg-config";

/** Values segnas implements where PaddleSeg offers more. MODEL_NAME "" counts as "deeplabv3p". */
export const SUPPORTED = Object.freeze({
  MODEL_NAME: Object.freeze(["deeplabv3p"]),
  DEFAULT_NORM_TYPE: Object.freeze(["bn"]),
  LOSS: Object.freeze(["softmax_loss"]),
});

/** Every problem found, as one sentence each; empty when the config is runnable. */
export function findConfigProblems(cfgOrLoaded: SegConfig | LoadedConfig): string[] {
  const cfg = unwrap(cfgOrLoaded);
  const p: string[] = [];
  const name = cfg.MODEL.MODEL_NAME;
  if (name !== "" && !SUPPORTED.MODEL_NAME.includes(name)) {
    p.push(
      `MODEL.MODEL_NAME ${JSON.stringify(name)} is not supported: segnas searches DeepLabv3+ ("deeplabv3p") ` +
        `with a searched MobileNetV2 backbone. Set MODEL.MODEL_NAME "deeplabv3p" (or leave it empty).`,
    );
  }
  if (!SUPPORTED.DEFAULT_NORM_TYPE.includes(cfg.MODEL.DEFAULT_NORM_TYPE)) {
    p.push(
      `MODEL.DEFAULT_NORM_TYPE ${JSON.stringify(cfg.MODEL.DEFAULT_NORM_TYPE)} is not supported: segnas uses batch norm ("bn").`,
    );
  }
  const badLoss = cfg.SOLVER.LOSS.filter((l) => !SUPPORTED.LOSS.includes(l));
  if (badLoss.length > 0 || cfg.SOLVER.LOSS.length === 0) {
    p.push(
      `SOLVER.LOSS ${JSON.stringify(cfg.SOLVER.LOSS)} is not supported: segnas trains with ["softmax_loss"].`,
    );
  }
  for (const key of ["TRAIN_CROP_SIZE", "EVAL_CROP_SIZE"] as const) {
    const v = cfg[key];
    if (v.length !== 2) {
      p.push(
        v.length === 0
          ? `${key} is empty: set a pair of values (width, height), e.g. ${key} "(769, 769)".`
          : `${key} must be (width, height), two ints; got ${v.length} values.`,
      );
    }
  }
  const classes = cfg.DATASET.NUM_CLASSES;
  if (classes < 2) p.push(`DATASET.NUM_CLASSES must be at least 2 (got ${classes}).`);
  const ignore = cfg.DATASET.IGNORE_INDEX;
  if (ignore >= 0 && ignore < classes) {
    p.push(
      `DATASET.IGNORE_INDEX ${ignore} is a class id (NUM_CLASSES ${classes}): pick a label outside 0..${classes - 1}, usually 255.`,
    );
  }
  const channels = cfg.DATASET.DATA_DIM;
  for (const key of ["MEAN", "STD"] as const) {
    if (cfg[key].length !== channels) {
      p.push(
        `${key} has ${cfg[key].length} values but IMAGE_TYPE ${cfg.DATASET.IMAGE_TYPE} images have ${channels} channels.`,
      );
    }
  }
  const aug = cfg.AUG;
  if (aug.AUG_METHOD === "unpadding" && aug.FIX_RESIZE_SIZE.length !== 2) {
    p.push(
      `AUG.FIX_RESIZE_SIZE must be (width, height) for AUG_METHOD "unpadding"; got ${aug.FIX_RESIZE_SIZE.length} values.`,
    );
  }
  if (aug.AUG_METHOD === "stepscaling" && aug.MIN_SCALE_FACTOR > aug.MAX_SCALE_FACTOR) {
    p.push(
      `AUG.MIN_SCALE_FACTOR ${aug.MIN_SCALE_FACTOR} is above AUG.MAX_SCALE_FACTOR ${aug.MAX_SCALE_FACTOR}.`,
    );
  }
  if (aug.AUG_METHOD === "rangescaling" && aug.MIN_RESIZE_VALUE > aug.MAX_RESIZE_VALUE) {
    p.push(
      `AUG.MIN_RESIZE_VALUE ${aug.MIN_RESIZE_VALUE} is above AUG.MAX_RESIZE_VALUE ${aug.MAX_RESIZE_VALUE}.`,
    );
  }
  const solver = cfg.SOLVER;
  if (solver.LR_POLICY === "piecewise") {
    const d = solver.DECAY_EPOCH;
    if (d.length === 0 || d.some((x, i) => i > 0 && x <= d[i - 1])) {
      p.push(
        `SOLVER.DECAY_EPOCH must be increasing epochs for LR_POLICY "piecewise" (got ${JSON.stringify(d)}).`,
      );
    }
  }
  const w = solver.CROSS_ENTROPY_WEIGHT;
  if (Array.isArray(w) && w.length !== classes) {
    p.push(`SOLVER.CROSS_ENTROPY_WEIGHT has ${w.length} weights but NUM_CLASSES is ${classes}.`);
  }
  if (cfg.SLIM.NAS_START_EVAL_EPOCH >= solver.NUM_EPOCHS) {
    p.push(
      `SLIM.NAS_START_EVAL_EPOCH ${cfg.SLIM.NAS_START_EVAL_EPOCH} is not below SOLVER.NUM_EPOCHS ${solver.NUM_EPOCHS}: ` +
        `no epoch would be evaluated and every reward would be 0. Use -1 or 0 to evaluate every epoch.`,
    );
  }
  const s = cfg.SEGNAS;
  if (s.HEARTBEAT_SECONDS >= s.LEASE_SECONDS) {
    p.push(
      `SEGNAS.HEARTBEAT_SECONDS ${s.HEARTBEAT_SECONDS} must be below SEGNAS.LEASE_SECONDS ${s.LEASE_SECONDS}, ` +
        `or every lease would expire between heartbeats.`,
    );
  }
  return p;
}

/** Throws one ConfigError listing every problem (data.problems), or returns quietly. */
export function checkSupported(cfgOrLoaded: SegConfig | LoadedConfig): void {
  const problems = findConfigProblems(cfgOrLoaded);
  if (problems.length === 0) return;
  const message =
    problems.length === 1
      ? `unsupported config: ${problems[0]}`
      : `unsupported config (${problems.length} problems):\n${problems.map((x) => `  - ${x}`).join("\n")}`;
  throw new ConfigError(message, { problems });
}

export function unwrap(cfgOrLoaded: SegConfig | LoadedConfig): SegConfig {
  return "config" in cfgOrLoaded ? cfgOrLoaded.config : cfgOrLoaded;
}
