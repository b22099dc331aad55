/**
 * Makes sure a config's dataset exists before training. Real datasets are the user's business
 * (a missing file list is a DataError naming it); a synthetic one (DATA_DIR whose last folder
 * starts with "synthetic", as in configs/demo.yaml) is built on first use from the config's
 * class count, crop size and seed. An existing synthetic dataset is used as it is, whatever
 * options made it, so commands that build it differently never fight over it; only one made by
 * an older generator version is rebuilt.
 */
import * as fs from "fs";
import * as path from "path";
import type { SegConfig } from "@segnas/config";
import {
  ensureSyntheticDataset,
  readSyntheticManifest,
  SYNTHETIC_VERSION,
  type SyntheticDataset,
} from "../data";

export function isSyntheticDataDir(dataDir: string): boolean {
  return /^synthetic/i.test(path.basename(path.resolve(dataDir)));
}

/** Builds the synthetic dataset a config names if it is missing; returns it, or null for real data. */
export async function ensureConfigDataset(
  cfg: SegConfig,
  cwd: string = process.cwd(),
): Promise<SyntheticDataset | null> {
  const dir = path.resolve(cwd, cfg.DATASET.DATA_DIR);
  if (!isSyntheticDataDir(dir)) return null;
  const have = fs.existsSync(dir) ? readSyntheticManifest(dir) : null;
  const trainList = path.resolve(cwd, cfg.DATASET.TRAIN_FILE_LIST);
  // A copy from an older generator version is rebuilt (ensureSyntheticDataset replaces it).
  if (have !== null && have.version === SYNTHETIC_VERSION && fs.existsSync(trainList)) {
    return {
      dir,
      trainList,
      valList: path.resolve(cwd, cfg.DATASET.VAL_FILE_LIST),
      manifest: have,
      created: false,
    };
  }
  const [width, height] = (cfg.TRAIN_CROP_SIZE.length === 2 ? cfg.TRAIN_CROP_SIZE : [64, 64]) as [
    number,
    number,
  ];
  return ensureSyntheticDataset(dir, {
    classes: cfg.DATASET.NUM_CLASSES,
    width,
    height,
    seed: cfg.SEGNAS.SEED,
  });
}
