/**
 * Test fixture: a tiny synthetic dataset (16x16 images, 2 classes) and the KEY VALUE overrides
 * that point a default config at it, with the smallest architecture's tokens. Seconds per trial.
 */
import * as path from "path";
import { loadConfig, type SegConfig } from "@segnas/config";
import { ensureSyntheticDataset } from "../data";

/** All-zero tokens: the smallest MobileNetV2SpaceSeg architecture. */
export const MIN_TOKENS: readonly number[] = new Array(25).fill(0);

export interface TinySetup {
  readonly dataDir: string;
  readonly overrides: string[];
  readonly config: SegConfig;
}

export async function tinySetup(
  root: string,
  opts: { epochs?: number; train?: number; val?: number; size?: number; lr?: number; extra?: string[] } = {},
): Promise<TinySetup> {
  const size = opts.size ?? 16;
  const train = opts.train ?? 16;
  const val = opts.val ?? 8;
  const ds = await ensureSyntheticDataset(path.join(root, `synthetic-${size}-${train}-${val}`), {
    classes: 2,
    train,
    val,
    width: size,
    height: size,
    seed: 3,
  });
  const crop = `(${size}, ${size})`;
  // prettier-ignore
  const overrides = [
    "DATASET.DATA_DIR", ds.dir,
    "DATASET.TRAIN_FILE_LIST", ds.trainList,
    "DATASET.VAL_FILE_LIST", ds.valList,
    "DATASET.NUM_CLASSES", "2",
    "TRAIN_CROP_SIZE", crop,
    "EVAL_CROP_SIZE", crop,
    "AUG.FIX_RESIZE_SIZE", crop,
    "BATCH_SIZE", "4",
    "SOLVER.NUM_EPOCHS", String(opts.epochs ?? 2),
    "SOLVER.LR", String(opts.lr ?? 0.01),
    "MODEL.DEEPLAB.ENCODER_WITH_ASPP", "False",
    "MODEL.DEEPLAB.ENABLE_DECODER", "False",
    "SEGNAS.BACKEND", "cpu",
    ...(opts.extra ?? []),
  ];
  return { dataDir: ds.dir, overrides, config: loadConfig({ overrides, env: {} }).config };
}
