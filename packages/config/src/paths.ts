/**
 * Paths in a config stay as the user wrote them; these helpers apply PaddleSeg's rules:
 * DATA_DIR, the *_FILE_LIST files and MODEL_SAVE_DIR are relative to the current directory,
 * and the image/label paths inside a file list are relative to DATA_DIR (absolute ones win).
 */
import * as path from "path";
import type { SegConfig } from "./seg-config";

/** An image or label path from a file list line -> absolute path (relative to DATA_DIR). */
export function resolveDataPath(cfg: SegConfig, p: string, cwd: string = process.cwd()): string {
  return path.resolve(cwd, cfg.DATASET.DATA_DIR, p);
}

export type FileListName = "train" | "val" | "test" | "vis";

/** The absolute path of DATASET.<NAME>_FILE_LIST; undefined for an unset VIS_FILE_LIST. */
export function resolveFileList(
  cfg: SegConfig,
  which: FileListName,
  cwd: string = process.cwd(),
): string | undefined {
  const d = cfg.DATASET;
  const p = { train: d.TRAIN_FILE_LIST, val: d.VAL_FILE_LIST, test: d.TEST_FILE_LIST, vis: d.VIS_FILE_LIST }[
    which
  ];
  return p === null ? undefined : path.resolve(cwd, p);
}

/** SEGNAS.CACHE_DIR, or ".cache/segnas" when empty, as an absolute path. */
export function resolveCacheDir(cfg: SegConfig, cwd: string = process.cwd()): string {
  return path.resolve(cwd, cfg.SEGNAS.CACHE_DIR === "" ? DEFAULT_CACHE_DIR : cfg.SEGNAS.CACHE_DIR);
}

export const DEFAULT_CACHE_DIR = ".cache/segnas";

/** TRAIN.MODEL_SAVE_DIR as an absolute path (the run directory); undefined when empty. */
export function resolveSaveDir(cfg: SegConfig, cwd: string = process.cwd()): string | undefined {
  return cfg.TRAIN.MODEL_SAVE_DIR === "" ? undefined : path.resolve(cwd, cfg.TRAIN.MODEL_SAVE_DIR);
}
