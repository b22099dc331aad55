/**
 * The typed shape of a loaded config. Names are PaddleSeg's own (`cfg.SLIM.NAS_PORT`,
 * `cfg.MODEL.DEEPLAB.ENCODER_WITH_ASPP`) so that users can move between the YAML file, the
 * command line and the code without translating; segnas' own settings sit in `SEGNAS`.
 * Every object is deeply frozen. Tuples such as crop sizes are `(width, height)` arrays.
 */

/** A list value (PaddleSeg lists and tuples both arrive as arrays). */
export type List<T> = readonly T[];

export interface SegConfig {
  readonly MEAN: List<number>;
  readonly STD: List<number>;
  readonly BATCH_SIZE: number;
  /** (width, height); empty until set, and `checkSupported` requires two ints. */
  readonly EVAL_CROP_SIZE: List<number>;
  /** (width, height); empty until set, and `checkSupported` requires two ints. */
  readonly TRAIN_CROP_SIZE: List<number>;
  readonly NUM_TRAINERS: number;
  readonly TRAINER_ID: number;
  readonly DATALOADER: {
    readonly NUM_WORKERS: number;
    readonly BUF_SIZE: number;
  };
  readonly DATASET: {
    readonly DATA_DIR: string;
    readonly TRAIN_FILE_LIST: string;
    readonly TRAIN_TOTAL_IMAGES: number;
    readonly VAL_FILE_LIST: string;
    readonly VAL_TOTAL_IMAGES: number;
    readonly TEST_FILE_LIST: string;
    readonly TEST_TOTAL_IMAGES: number;
    readonly VIS_FILE_LIST: string | null;
    readonly NUM_CLASSES: number;
    /** "rgb" | "gray" | "rgba" */
    readonly IMAGE_TYPE: string;
    /** Derived from IMAGE_TYPE (4 for rgba, else 3), as PaddleSeg's check_and_infer does. */
    readonly DATA_DIM: number;
    readonly SEPARATOR: string;
    readonly IGNORE_INDEX: number;
    /** Derived from MEAN (x 255), as PaddleSeg's check_and_infer does. */
    readonly PADDING_VALUE: List<number>;
  };
  readonly AUG: {
    /** "unpadding" | "stepscaling" | "rangescaling" */
    readonly AUG_METHOD: string;
    readonly FIX_RESIZE_SIZE: List<number>;
    readonly MIN_SCALE_FACTOR: number;
    readonly MAX_SCALE_FACTOR: number;
    readonly SCALE_STEP_SIZE: number;
    readonly MIN_RESIZE_VALUE: number;
    readonly MAX_RESIZE_VALUE: number;
    readonly INF_RESIZE_VALUE: number;
    readonly MIRROR: boolean;
    readonly FLIP: boolean;
    readonly FLIP_RATIO: number;
    readonly RICH_CROP: {
      readonly ENABLE: boolean;
      readonly MAX_ROTATION: number;
      readonly MIN_AREA_RATIO: number;
      readonly ASPECT_RATIO: number;
      readonly BRIGHTNESS_JITTER_RATIO: number;
      readonly SATURATION_JITTER_RATIO: number;
      readonly CONTRAST_JITTER_RATIO: number;
      readonly BLUR: boolean;
      readonly BLUR_RATIO: number;
    };
  };
  readonly TRAIN: {
    readonly MODEL_SAVE_DIR: string;
    readonly PRETRAINED_MODEL_DIR: string;
    readonly RESUME_MODEL_DIR: string;
    readonly SYNC_BATCH_NORM: boolean;
    readonly SNAPSHOT_EPOCH: number;
  };
  readonly SOLVER: {
    readonly LR: number;
    /** "poly" | "piecewise" | "cosine" */
    readonly LR_POLICY: string;
    /** "sgd" | "adam" */
    readonly OPTIMIZER: string;
    readonly MOMENTUM: number;
    readonly MOMENTUM2: number;
    readonly POWER: number;
    readonly GAMMA: number;
    readonly DECAY_EPOCH: List<number>;
    readonly WEIGHT_DECAY: number;
    readonly BEGIN_EPOCH: number;
    readonly NUM_EPOCHS: number;
    readonly LOSS: List<string>;
    readonly LR_WARMUP: boolean;
    readonly LR_WARMUP_STEPS: number;
    /** None, "dynamic", or one weight per class. */
    readonly CROSS_ENTROPY_WEIGHT: null | string | List<number>;
  };
  readonly TEST: {
    readonly TEST_MODEL: string;
  };
  readonly MODEL: {
    /** "" or "deeplabv3p" for segnas (see checkSupported). */
    readonly MODEL_NAME: string;
    /** "bn" | "gn" */
    readonly DEFAULT_NORM_TYPE: string;
    readonly MULTI_LOSS_WEIGHT: List<number>;
    readonly DEFAULT_GROUP_NUMBER: number;
    readonly DEFAULT_EPSILON: number;
    readonly BN_MOMENTUM: number;
    readonly FP16: boolean;
    /** "DYNAMIC" or a number. */
    readonly SCALE_LOSS: string | number;
    readonly DEEPLAB: {
      readonly BACKBONE: string;
      readonly OUTPUT_STRIDE: number;
      readonly DEPTH_MULTIPLIER: number;
      readonly ENCODER_WITH_ASPP: boolean;
      readonly ENABLE_DECODER: boolean;
      readonly ASPP_WITH_SEP_CONV: boolean;
      readonly DECODER_USE_SEP_CONV: boolean;
    };
    readonly UNET: { readonly UPSAMPLE_MODE: string };
    readonly ICNET: { readonly DEPTH_MULTIPLIER: number; readonly LAYERS: number };
    readonly PSPNET: { readonly DEPTH_MULTIPLIER: number; readonly LAYERS: number };
    readonly HRNET: {
      readonly STAGE2: { readonly NUM_MODULES: number; readonly NUM_CHANNELS: List<number> };
      readonly STAGE3: { readonly NUM_MODULES: number; readonly NUM_CHANNELS: List<number> };
      readonly STAGE4: { readonly NUM_MODULES: number; readonly NUM_CHANNELS: List<number> };
    };
  };
  readonly FREEZE: {
    readonly MODEL_FILENAME: string;
    readonly PARAMS_FILENAME: string;
    readonly SAVE_DIR: string;
  };
  readonly SLIM: {
    readonly KNOWLEDGE_DISTILL_IS_TEACHER: boolean;
    readonly KNOWLEDGE_DISTILL: boolean;
    readonly KNOWLEDGE_DISTILL_TEACHER_MODEL_DIR: string;
    readonly NAS_PORT: number;
    readonly NAS_ADDRESS: string;
    readonly NAS_SEARCH_STEPS: number;
    readonly NAS_START_EVAL_EPOCH: number;
    readonly NAS_IS_SERVER: boolean;
    readonly NAS_SPACE_NAME: string;
    readonly PRUNE_PARAMS: string;
    readonly PRUNE_RATIOS: List<number>;
  };
  /** segnas extensions (PaddleSeg has no such group). */
  readonly SEGNAS: {
    /** Search strategy name, e.g. "sa" (simulated annealing, the reference). */
    readonly STRATEGY: string;
    /** Seed of the search's Rng (and of weight init / data order). */
    readonly SEED: number;
    /** Upper bound on FLOPs per image at TRAIN_CROP_SIZE; 0 = no bound. */
    readonly MAX_FLOPS: number;
    /** Upper bound on the parameter count; 0 = no bound. */
    readonly MAX_PARAMS: number;
    /** TensorFlow.js backend: "auto" or a backend name. */
    readonly BACKEND: string;
    /** Shared secret for server/worker authentication; "" = none. Env SEGNAS_SECRET wins over the file. */
    readonly SECRET: string;
    readonly LEASE_SECONDS: number;
    readonly HEARTBEAT_SECONDS: number;
    readonly PORT_RETRY_SECONDS: number;
    readonly CONNECT_RETRY_SECONDS: number;
    /** Where caches (decoded datasets, synthetic data) live; "" = ".cache/segnas". */
    readonly CACHE_DIR: string;
    /** Tokens `segnas train-arch` trains when --tokens is not given (written by `segnas export`); [] = init. */
    readonly TOKENS: List<number>;
    /** PEM certificate chain the server presents over TLS; "" = plain TCP (with TLS_KEY). */
    readonly TLS_CERT: string;
    /** PEM private key of TLS_CERT. */
    readonly TLS_KEY: string;
    /** PEM CA bundle a worker (or `status`) verifies the server with; set = connect over TLS. */
    readonly TLS_CA: string;
    /** Name the server's certificate must carry when it differs from the address dialled. */
    readonly TLS_SERVERNAME: string;
    /** Serve on a non-loopback address without SEGNAS.SECRET (refused unless True). */
    readonly ALLOW_NO_SECRET: boolean;
    /** Trials in a row a worker may fail for its own reasons (data, backend, disk) before it stops. */
    readonly WORKER_MAX_FAILURES: number;
    /** The live dashboard's HTTP port: -1 = SLIM.NAS_PORT + 1 (any free port when that is 0), 0 = off. */
    readonly DASHBOARD_PORT: number;
    /** Where the dashboard listens; anything but loopback requires SEGNAS.SECRET. */
    readonly DASHBOARD_ADDRESS: string;
    /** Connections the server accepts at once, in total and from one IP address. */
    readonly MAX_CONNECTIONS: number;
    readonly MAX_CONNECTIONS_PER_ADDRESS: number;
  };
}

/** Any leaf value a config key can hold. */
export type ConfigValue = null | boolean | number | string | List<number> | List<string>;

type IsLeaf<T> = T extends ConfigValue ? true : false;

/** Every dotted key of SegConfig, e.g. "SLIM.NAS_PORT" (leaves only, not groups). */
export type ConfigKey<T = SegConfig, P extends string = ""> = {
  [K in keyof T & string]: IsLeaf<T[K]> extends true ? `${P}${K}` : ConfigKey<T[K], `${P}${K}.`>;
}[keyof T & string];

/** The value type at a dotted key: `ConfigValueAt<"SLIM.NAS_PORT">` is `number`. */
export type ConfigValueAt<K extends string, T = SegConfig> = K extends `${infer H}.${infer R}`
  ? H extends keyof T
    ? ConfigValueAt<R, T[H]>
    : never
  : K extends keyof T
    ? T[K]
    : never;
