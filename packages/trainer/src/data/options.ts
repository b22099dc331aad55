/**
 * The data pipeline's own options: a plain object, independent of how the config package shapes
 * its config. `dataOptionsFromConfig` reads the PaddleSeg 0.x keys through any getter, and
 * `resolveDataOptions` fills defaults (PaddleSeg's) and validates once, so the hot path never
 * re-checks. Sizes are (width, height) as in PaddleSeg's TRAIN_CROP_SIZE / FIX_RESIZE_SIZE.
 */
import { SegnasError } from "@segnas/core";

export type AugMethod = "unpadding" | "rangescaling" | "stepscaling";
export type Size = readonly [width: number, height: number];
export type Triple = readonly [number, number, number];

export interface DataOptions {
  /** DATASET.DATA_DIR: file-list entries are relative to it. */
  readonly dataDir: string;
  /** DATASET.TRAIN_FILE_LIST / VAL_FILE_LIST (relative to the working directory, or to dataDir). */
  readonly trainFileList: string;
  readonly valFileList: string;
  /** DATASET.SEPARATOR between image and label on a list line. */
  readonly separator: string;
  readonly numClasses: number;
  readonly ignoreIndex: number;
  readonly augMethod: AugMethod;
  /** AUG.FIX_RESIZE_SIZE (unpadding). */
  readonly fixResizeSize: Size;
  /** AUG.MIN/MAX_RESIZE_VALUE (rangescaling, training) and INF_RESIZE_VALUE (evaluation). */
  readonly minResizeValue: number;
  readonly maxResizeValue: number;
  readonly infResizeValue: number;
  /** AUG.MIN/MAX_SCALE_FACTOR, SCALE_STEP_SIZE (stepscaling; step 0 = continuous). */
  readonly minScaleFactor: number;
  readonly maxScaleFactor: number;
  readonly scaleStepSize: number;
  /** TRAIN_CROP_SIZE / EVAL_CROP_SIZE; null (PaddleSeg's empty tuple) = keep the resized size. */
  readonly trainCropSize: Size | null;
  readonly evalCropSize: Size | null;
  /** DATASET.PADDING_VALUE, in 0..255 pixel units. */
  readonly paddingValue: Triple;
  /** AUG.MIRROR: horizontal flip with probability 1/2. */
  readonly mirror: boolean;
  /** AUG.FLIP / FLIP_RATIO: vertical flip with probability FLIP_RATIO. */
  readonly flip: boolean;
  readonly flipRatio: number;
  readonly mean: Triple;
  readonly std: Triple;
  readonly batchSize: number;
}

/** PaddleSeg 0.x defaults (SPEC §5 key set). */
export const DEFAULT_DATA_OPTIONS: DataOptions = Object.freeze({
  dataDir: "./dataset/cityscapes/",
  trainFileList: "./dataset/cityscapes/train.list",
  valFileList: "./dataset/cityscapes/val.list",
  separator: " ",
  numClasses: 19,
  ignoreIndex: 255,
  augMethod: "unpadding",
  fixResizeSize: [512, 512],
  minResizeValue: 400,
  maxResizeValue: 600,
  infResizeValue: 500,
  minScaleFactor: 0.5,
  maxScaleFactor: 2.0,
  scaleStepSize: 0.25,
  trainCropSize: null,
  evalCropSize: null,
  paddingValue: [127.5, 127.5, 127.5],
  mirror: true,
  flip: false,
  flipRatio: 0.5,
  mean: [0.5, 0.5, 0.5],
  std: [0.5, 0.5, 0.5],
  batchSize: 1,
} as DataOptions);

/** The PaddleSeg key behind each option, for error messages and the config mapper. */
export const DATA_OPTION_KEYS: Readonly<Record<keyof DataOptions, string>> = Object.freeze({
  dataDir: "DATASET.DATA_DIR",
  trainFileList: "DATASET.TRAIN_FILE_LIST",
  valFileList: "DATASET.VAL_FILE_LIST",
  separator: "DATASET.SEPARATOR",
  numClasses: "DATASET.NUM_CLASSES",
  ignoreIndex: "DATASET.IGNORE_INDEX",
  augMethod: "AUG.AUG_METHOD",
  fixResizeSize: "AUG.FIX_RESIZE_SIZE",
  minResizeValue: "AUG.MIN_RESIZE_VALUE",
  maxResizeValue: "AUG.MAX_RESIZE_VALUE",
  infResizeValue: "AUG.INF_RESIZE_VALUE",
  minScaleFactor: "AUG.MIN_SCALE_FACTOR",
  maxScaleFactor: "AUG.MAX_SCALE_FACTOR",
  scaleStepSize: "AUG.SCALE_STEP_SIZE",
  trainCropSize: "TRAIN_CROP_SIZE",
  evalCropSize: "EVAL_CROP_SIZE",
  paddingValue: "DATASET.PADDING_VALUE",
  mirror: "AUG.MIRROR",
  flip: "AUG.FLIP",
  flipRatio: "AUG.FLIP_RATIO",
  mean: "MEAN",
  std: "STD",
  batchSize: "BATCH_SIZE",
});

function configError(key: keyof DataOptions, value: unknown, want: string): SegnasError {
  const name = DATA_OPTION_KEYS[key];
  return new SegnasError(
    "SEGNAS_E_CONFIG",
    `${name} = ${JSON.stringify(value)} is invalid: ${want}. Fix it in the config file or override it with \`${name} <value>\`.`,
    { key: name, value },
  );
}

/** Accepts numbers and numeric strings (a config loader may fall back to raw strings). */
function toNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "") return Number(v);
  return NaN;
}

/** Accepts [a, b], a typed array, or a Python tuple string "(a, b)"; [] / "()" -> []. */
function toNumberList(v: unknown): number[] | null {
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return Array.from(v as ArrayLike<unknown>, toNumber);
  if (typeof v === "string") {
    const inner = v
      .trim()
      .replace(/^[[(]|[\])]$/g, "")
      .trim();
    if (inner === "") return [];
    return inner
      .split(",")
      .filter((s) => s.trim() !== "")
      .map(toNumber);
  }
  return null;
}

function toBool(v: unknown): boolean | null {
  if (typeof v === "boolean") return v;
  if (v === 0 || v === 1) return v === 1;
  if (typeof v === "string" && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === "true";
  return null;
}

/** Fills defaults and validates every field; throws a ConfigError naming the PaddleSeg key. */
export function resolveDataOptions(partial: Partial<Record<keyof DataOptions, unknown>> = {}): DataOptions {
  const raw = { ...DEFAULT_DATA_OPTIONS } as Record<keyof DataOptions, unknown>;
  for (const [k, v] of Object.entries(partial)) if (v !== undefined) raw[k as keyof DataOptions] = v;

  const str = (key: keyof DataOptions, allowEmpty = false): string => {
    const v = raw[key];
    if (typeof v !== "string" || (!allowEmpty && v === ""))
      throw configError(key, v, "expected a non-empty string");
    return v;
  };
  const num = (key: keyof DataOptions, check: (n: number) => boolean, want: string): number => {
    const n = toNumber(raw[key]);
    if (!Number.isFinite(n) || !check(n)) throw configError(key, raw[key], want);
    return n;
  };
  const int = (key: keyof DataOptions, min: number): number =>
    num(key, (n) => Number.isInteger(n) && n >= min, `expected an integer >= ${min}`);
  const bool = (key: keyof DataOptions): boolean => {
    const b = toBool(raw[key]);
    if (b === null) throw configError(key, raw[key], "expected True or False");
    return b;
  };
  const size = (key: keyof DataOptions, optional: boolean): Size | null => {
    const list = toNumberList(raw[key]);
    if (optional && (raw[key] === null || (list !== null && list.length === 0))) return null;
    if (list === null || list.length !== 2 || list.some((n) => !Number.isInteger(n) || n < 1)) {
      throw configError(key, raw[key], "expected (width, height), two positive integers");
    }
    return [list[0]!, list[1]!];
  };
  const triple = (key: keyof DataOptions, check: (n: number) => boolean, want: string): Triple => {
    let list = toNumberList(raw[key]);
    if (list !== null && list.length === 1) list = [list[0]!, list[0]!, list[0]!];
    if (typeof raw[key] === "number") list = [raw[key], raw[key], raw[key]] as number[];
    if (list === null || list.length !== 3 || list.some((n) => !Number.isFinite(n) || !check(n))) {
      throw configError(key, raw[key], want);
    }
    return [list[0]!, list[1]!, list[2]!];
  };

  const augMethod = String(raw.augMethod).toLowerCase();
  if (augMethod !== "unpadding" && augMethod !== "rangescaling" && augMethod !== "stepscaling") {
    throw configError("augMethod", raw.augMethod, "expected unpadding, rangescaling or stepscaling");
  }
  const opts: DataOptions = {
    dataDir: str("dataDir"),
    trainFileList: str("trainFileList", true),
    valFileList: str("valFileList", true),
    separator: str("separator"),
    numClasses: int("numClasses", 1),
    ignoreIndex: int("ignoreIndex", 0),
    augMethod,
    fixResizeSize: size("fixResizeSize", false)!,
    minResizeValue: int("minResizeValue", 1),
    maxResizeValue: int("maxResizeValue", 1),
    infResizeValue: int("infResizeValue", 1),
    minScaleFactor: num("minScaleFactor", (n) => n > 0, "expected a number > 0"),
    maxScaleFactor: num("maxScaleFactor", (n) => n > 0, "expected a number > 0"),
    scaleStepSize: num("scaleStepSize", (n) => n >= 0, "expected a number >= 0 (0 = continuous)"),
    trainCropSize: size("trainCropSize", true),
    evalCropSize: size("evalCropSize", true),
    paddingValue: triple("paddingValue", (n) => n >= 0 && n <= 255, "expected three values in 0..255"),
    mirror: bool("mirror"),
    flip: bool("flip"),
    flipRatio: num("flipRatio", (n) => n >= 0 && n <= 1, "expected a probability in [0, 1]"),
    mean: triple("mean", () => true, "expected three numbers"),
    std: triple("std", (n) => n !== 0, "expected three non-zero numbers"),
    batchSize: int("batchSize", 1),
  };
  if (opts.ignoreIndex < opts.numClasses) {
    throw configError(
      "ignoreIndex",
      opts.ignoreIndex,
      `must not be a class id (NUM_CLASSES is ${opts.numClasses})`,
    );
  }
  if (opts.maxResizeValue < opts.minResizeValue) {
    throw configError(
      "maxResizeValue",
      opts.maxResizeValue,
      `must be >= AUG.MIN_RESIZE_VALUE (${opts.minResizeValue})`,
    );
  }
  if (opts.maxScaleFactor < opts.minScaleFactor) {
    throw configError(
      "maxScaleFactor",
      opts.maxScaleFactor,
      `must be >= AUG.MIN_SCALE_FACTOR (${opts.minScaleFactor})`,
    );
  }
  return Object.freeze(opts);
}

/**
 * Reads the data options from any config through a getter of dotted PaddleSeg keys
 * (`get("DATASET.DATA_DIR")`). A getter that returns undefined leaves the PaddleSeg default.
 */
export function dataOptionsFromConfig(get: (key: string) => unknown): DataOptions {
  const partial: Partial<Record<keyof DataOptions, unknown>> = {};
  for (const [field, key] of Object.entries(DATA_OPTION_KEYS)) {
    const value = get(key);
    if (value !== undefined) partial[field as keyof DataOptions] = value;
  }
  return resolveDataOptions(partial);
}
