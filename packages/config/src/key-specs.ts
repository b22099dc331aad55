/**
 * The one table of config keys: PaddleSeg 0.x's full key set with its defaults (a config file
 * may contain any of them, anything else is an error), plus segnas' own `SEGNAS.*` group.
 * Each key carries its value type (checked on load) and, for keys segnas does not act on, the
 * reason it is ignored, so that callers can tell the user once instead of silently dropping them.
 */

/** The type a key's value must have. Lists accept Python lists and tuples alike. */
export type ValueType =
  | { readonly kind: "int"; readonly min?: number; readonly max?: number }
  | { readonly kind: "float"; readonly min?: number; readonly max?: number; readonly above?: number }
  | { readonly kind: "bool" }
  | { readonly kind: "string"; readonly choices?: readonly string[]; readonly nonEmpty?: boolean }
  /** null (Python None) or a string. */
  | { readonly kind: "nullable-string" }
  /** Ints, e.g. crop sizes; `tuple` only changes how configToYaml writes it: (w, h). */
  | { readonly kind: "int-list"; readonly tuple?: boolean; readonly min?: number }
  | { readonly kind: "float-list"; readonly min?: number; readonly above?: number }
  | { readonly kind: "string-list"; readonly choices?: readonly string[] }
  /** SOLVER.CROSS_ENTROPY_WEIGHT: None, "dynamic" or a list of floats. */
  | { readonly kind: "class-weights" }
  /** MODEL.SCALE_LOSS: "DYNAMIC" or a number. */
  | { readonly kind: "string-or-float" };

export interface KeySpec {
  /** Dotted PaddleSeg name, e.g. "SLIM.NAS_PORT". */
  readonly key: string;
  readonly default: unknown;
  readonly type: ValueType;
  /** Why segnas does not act on this key; undefined when it does. */
  readonly ignored?: string;
  /** True for segnas extensions (not in PaddleSeg). */
  readonly segnas?: boolean;
}

const int = (min?: number, max?: number): ValueType => ({ kind: "int", min, max });
const float = (min?: number, max?: number): ValueType => ({ kind: "float", min, max });
const positive: ValueType = { kind: "float", above: 0 };
const bool: ValueType = { kind: "bool" };
const str: ValueType = { kind: "string" };
const choice = (...choices: string[]): ValueType => ({ kind: "string", choices });
const ints = (tuple = false, min?: number): ValueType => ({ kind: "int-list", tuple, min });
const floats = (min?: number): ValueType => ({ kind: "float-list", min });

// Reasons shared by several keys; they are what the user reads in the "ignored keys" line.
const R = {
  multiGpu: "PaddleSeg multi-GPU launch setting; segnas scales out with workers",
  loader: "segnas decodes data inside the trainer process",
  counted: "counted from the file list",
  noTest: "segnas evaluates on VAL_FILE_LIST only",
  richCrop: "rich-crop augmentation is not implemented in segnas",
  otherModel: "setting of another PaddleSeg model; segnas trains DeepLabv3+ only",
  float32: "segnas trains in float32",
  freeze: "segnas has no model export step",
  distill: "knowledge distillation is not part of a NAS run",
  prune: "pruning is not part of a NAS run",
  sepConv: "segnas always uses separable convs in the ASPP and the decoder",
};

const E = (key: string, def: unknown, type: ValueType, ignored?: string): KeySpec => ({
  key,
  default: def,
  type,
  ignored,
});
const S = (key: string, def: unknown, type: ValueType): KeySpec => ({
  key,
  default: def,
  type,
  segnas: true,
});

export const KEY_SPECS: readonly KeySpec[] = [
  E("MEAN", [0.5, 0.5, 0.5], floats()),
  E("STD", [0.5, 0.5, 0.5], { kind: "float-list", above: 0 }),
  E("BATCH_SIZE", 1, int(1)),
  E("EVAL_CROP_SIZE", [], ints(true, 1)),
  E("TRAIN_CROP_SIZE", [], ints(true, 1)),
  E("NUM_TRAINERS", 1, int(1), R.multiGpu),
  E("TRAINER_ID", 0, int(0), R.multiGpu),
  E("DATALOADER.NUM_WORKERS", 8, int(0), R.loader),
  E("DATALOADER.BUF_SIZE", 256, int(0), R.loader),
  E("DATASET.DATA_DIR", "./dataset/cityscapes/", str),
  E("DATASET.TRAIN_FILE_LIST", "./dataset/cityscapes/train.list", str),
  E("DATASET.TRAIN_TOTAL_IMAGES", 2975, int(0), R.counted),
  E("DATASET.VAL_FILE_LIST", "./dataset/cityscapes/val.list", str),
  E("DATASET.VAL_TOTAL_IMAGES", 500, int(0), R.counted),
  E("DATASET.TEST_FILE_LIST", "./dataset/cityscapes/test.list", str, R.noTest),
  E("DATASET.TEST_TOTAL_IMAGES", 500, int(0), R.counted),
  E("DATASET.VIS_FILE_LIST", null, { kind: "nullable-string" }, "segnas has no visualisation step"),
  E("DATASET.NUM_CLASSES", 19, int(1)),
  E("DATASET.IMAGE_TYPE", "rgb", choice("rgb", "gray", "rgba")),
  E("DATASET.DATA_DIM", 3, int(1), "derived from IMAGE_TYPE (4 for rgba, else 3), as PaddleSeg does"),
  E("DATASET.SEPARATOR", " ", { kind: "string", nonEmpty: true }),
  E("DATASET.IGNORE_INDEX", 255, int()),
  E("DATASET.PADDING_VALUE", [127.5, 127.5, 127.5], floats(), "derived from MEAN x 255, as PaddleSeg does"),
  E("AUG.AUG_METHOD", "unpadding", choice("unpadding", "stepscaling", "rangescaling")),
  E("AUG.FIX_RESIZE_SIZE", [512, 512], ints(true, 1)),
  E("AUG.MIN_SCALE_FACTOR", 0.5, positive),
  E("AUG.MAX_SCALE_FACTOR", 2.0, positive),
  E("AUG.SCALE_STEP_SIZE", 0.25, float(0)),
  E("AUG.MIN_RESIZE_VALUE", 400, int(1)),
  E("AUG.MAX_RESIZE_VALUE", 600, int(1)),
  E("AUG.INF_RESIZE_VALUE", 500, int(1)),
  E("AUG.MIRROR", true, bool),
  E("AUG.FLIP", false, bool),
  E("AUG.FLIP_RATIO", 0.5, float(0, 1)),
  E("AUG.RICH_CROP.ENABLE", false, bool, R.richCrop),
  E("AUG.RICH_CROP.MAX_ROTATION", 15, float(), R.richCrop),
  E("AUG.RICH_CROP.MIN_AREA_RATIO", 0.5, float(), R.richCrop),
  E("AUG.RICH_CROP.ASPECT_RATIO", 0.33, float(), R.richCrop),
  E("AUG.RICH_CROP.BRIGHTNESS_JITTER_RATIO", 0.5, float(), R.richCrop),
  E("AUG.RICH_CROP.SATURATION_JITTER_RATIO", 0.5, float(), R.richCrop),
  E("AUG.RICH_CROP.CONTRAST_JITTER_RATIO", 0.5, float(), R.richCrop),
  E("AUG.RICH_CROP.BLUR", false, bool, R.richCrop),
  E("AUG.RICH_CROP.BLUR_RATIO", 0.1, float(), R.richCrop),
  E("TRAIN.MODEL_SAVE_DIR", "", str),
  E("TRAIN.PRETRAINED_MODEL_DIR", "", str, "every searched architecture trains from fresh weights"),
  E("TRAIN.RESUME_MODEL_DIR", "", str, "segnas resumes a search from its journal"),
  E("TRAIN.SYNC_BATCH_NORM", false, bool, "each trial trains in one process"),
  E("TRAIN.SNAPSHOT_EPOCH", 10, int(1), "trials are not snapshotted"),
  E("SOLVER.LR", 0.1, float(0)),
  E("SOLVER.LR_POLICY", "poly", choice("poly", "piecewise", "cosine")),
  E("SOLVER.OPTIMIZER", "sgd", choice("sgd", "adam")),
  E("SOLVER.MOMENTUM", 0.9, float(0)),
  E("SOLVER.MOMENTUM2", 0.999, float(0)),
  E("SOLVER.POWER", 0.9, float(0)),
  E("SOLVER.GAMMA", 0.1, float(0)),
  E("SOLVER.DECAY_EPOCH", [10, 20], ints(false, 0)),
  E("SOLVER.WEIGHT_DECAY", 0.00004, float(0)),
  E("SOLVER.BEGIN_EPOCH", 1, int(1), "every trial trains epochs 1..SOLVER.NUM_EPOCHS"),
  E("SOLVER.NUM_EPOCHS", 30, int(1)),
  E("SOLVER.LOSS", ["softmax_loss"], {
    kind: "string-list",
    choices: ["softmax_loss", "dice_loss", "bce_loss", "lovasz_hinge_loss", "lovasz_softmax_loss"],
  }),
  E("SOLVER.LR_WARMUP", false, bool),
  E("SOLVER.LR_WARMUP_STEPS", 2000, int(0)),
  E("SOLVER.CROSS_ENTROPY_WEIGHT", null, { kind: "class-weights" }),
  E("TEST.TEST_MODEL", "", str, "segnas has no test command"),
  E("MODEL.MODEL_NAME", "", str),
  E("MODEL.DEFAULT_NORM_TYPE", "bn", choice("bn", "gn")),
  E("MODEL.MULTI_LOSS_WEIGHT", [1.0], floats(), "ICNet only"),
  E("MODEL.DEFAULT_GROUP_NUMBER", 32, int(1), "group norm only; segnas uses batch norm"),
  E("MODEL.DEFAULT_EPSILON", 1e-5, positive),
  E("MODEL.BN_MOMENTUM", 0.99, float(0, 1)),
  E("MODEL.FP16", false, bool, R.float32),
  E("MODEL.SCALE_LOSS", "DYNAMIC", { kind: "string-or-float" }, R.float32),
  E("MODEL.DEEPLAB.BACKBONE", "xception_65", str, "the backbone is the searched space, SLIM.NAS_SPACE_NAME"),
  E("MODEL.DEEPLAB.OUTPUT_STRIDE", 16, int(1), "the search space fixes the output stride at 16"),
  E("MODEL.DEEPLAB.DEPTH_MULTIPLIER", 1.0, positive, "channel counts come from the searched tokens"),
  E("MODEL.DEEPLAB.ENCODER_WITH_ASPP", true, bool),
  E("MODEL.DEEPLAB.ENABLE_DECODER", true, bool),
  E("MODEL.DEEPLAB.ASPP_WITH_SEP_CONV", true, bool, R.sepConv),
  E("MODEL.DEEPLAB.DECODER_USE_SEP_CONV", true, bool, R.sepConv),
  E("MODEL.UNET.UPSAMPLE_MODE", "bilinear", str, R.otherModel),
  E("MODEL.ICNET.DEPTH_MULTIPLIER", 0.5, positive, R.otherModel),
  E("MODEL.ICNET.LAYERS", 50, int(1), R.otherModel),
  E("MODEL.PSPNET.DEPTH_MULTIPLIER", 1, positive, R.otherModel),
  E("MODEL.PSPNET.LAYERS", 50, int(1), R.otherModel),
  E("MODEL.HRNET.STAGE2.NUM_MODULES", 1, int(1), R.otherModel),
  E("MODEL.HRNET.STAGE2.NUM_CHANNELS", [40, 80], ints(false, 1), R.otherModel),
  E("MODEL.HRNET.STAGE3.NUM_MODULES", 4, int(1), R.otherModel),
  E("MODEL.HRNET.STAGE3.NUM_CHANNELS", [40, 80, 160], ints(false, 1), R.otherModel),
  E("MODEL.HRNET.STAGE4.NUM_MODULES", 3, int(1), R.otherModel),
  E("MODEL.HRNET.STAGE4.NUM_CHANNELS", [40, 80, 160, 320], ints(false, 1), R.otherModel),
  E("FREEZE.MODEL_FILENAME", "__model__", str, R.freeze),
  E("FREEZE.PARAMS_FILENAME", "__params__", str, R.freeze),
  E("FREEZE.SAVE_DIR", "freeze_model", str, R.freeze),
  E("SLIM.KNOWLEDGE_DISTILL_IS_TEACHER", false, bool, R.distill),
  E("SLIM.KNOWLEDGE_DISTILL", false, bool, R.distill),
  E("SLIM.KNOWLEDGE_DISTILL_TEACHER_MODEL_DIR", "", str, R.distill),
  E("SLIM.NAS_PORT", 23333, int(0, 65535)),
  E("SLIM.NAS_ADDRESS", "", str),
  E("SLIM.NAS_SEARCH_STEPS", 100, int(1)),
  E("SLIM.NAS_START_EVAL_EPOCH", 0, int()),
  E("SLIM.NAS_IS_SERVER", true, bool),
  E("SLIM.NAS_SPACE_NAME", "", str),
  E("SLIM.PRUNE_PARAMS", "", str, R.prune),
  E("SLIM.PRUNE_RATIOS", [], floats(), R.prune),
  // segnas extensions: PaddleSeg has no such keys.
  S("SEGNAS.STRATEGY", "sa", { kind: "string", nonEmpty: true }),
  S("SEGNAS.SEED", 0, int(0, 0xffffffff)),
  S("SEGNAS.MAX_FLOPS", 0, float(0)),
  S("SEGNAS.MAX_PARAMS", 0, float(0)),
  S("SEGNAS.BACKEND", "auto", { kind: "string", nonEmpty: true }),
  S("SEGNAS.SECRET", "", str),
  S("SEGNAS.LEASE_SECONDS", 120, positive),
  S("SEGNAS.HEARTBEAT_SECONDS", 10, positive),
  S("SEGNAS.PORT_RETRY_SECONDS", 30, float(0)),
  S("SEGNAS.CONNECT_RETRY_SECONDS", 300, float(0)),
  S("SEGNAS.CACHE_DIR", "", str),
  S("SEGNAS.TOKENS", [], ints(false, 0)),
  // deployment (docker/, issue 13): TLS between hosts; refusing an open port without a secret.
  S("SEGNAS.TLS_CERT", "", str),
  S("SEGNAS.TLS_KEY", "", str),
  S("SEGNAS.TLS_CA", "", str),
  S("SEGNAS.TLS_SERVERNAME", "", str),
  S("SEGNAS.ALLOW_NO_SECRET", false, bool),
  S("SEGNAS.WORKER_MAX_FAILURES", 3, int(1)),
  // The live dashboard: -1 = SLIM.NAS_PORT + 1, 0 = off.
  S("SEGNAS.DASHBOARD_PORT", -1, int(-1, 65535)),
  S("SEGNAS.DASHBOARD_ADDRESS", "127.0.0.1", str),
  // Connection limits of the server: room for 1,000 workers (several per host, or all behind
  // one NAT) plus reconnect overlap and status clients, while one runaway host cannot take all.
  S("SEGNAS.MAX_CONNECTIONS", 4096, int(1)),
  S("SEGNAS.MAX_CONNECTIONS_PER_ADDRESS", 1024, int(1)),
];

export const KEY_SPEC_BY_NAME: ReadonlyMap<string, KeySpec> = new Map(KEY_SPECS.map((s) => [s.key, s]));

/** Every group name ("AUG", "AUG.RICH_CROP", "MODEL.DEEPLAB", ...). */
export const GROUP_NAMES: ReadonlySet<string> = new Set(
  KEY_SPECS.flatMap((s) => {
    const parts = s.key.split(".");
    return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join("."));
  }),
);

/** Keys segnas accepts but does not act on, with the reason (for one "ignored" report line). */
export function ignoreReason(key: string): string | undefined {
  return KEY_SPEC_BY_NAME.get(key)?.ignored;
}

/** The keys directly inside a group, e.g. groupKeys("SLIM") -> ["SLIM.KNOWLEDGE_DISTILL_IS_TEACHER", ...]. */
export function groupKeys(group: string): string[] {
  const prefix = group + ".";
  return KEY_SPECS.filter((s) => s.key.startsWith(prefix)).map((s) => s.key);
}
