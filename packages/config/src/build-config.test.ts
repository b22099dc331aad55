import { isSegnasError } from "@segnas/core";
import { buildConfig, parseConfigText } from "./build-config";
import { ConfigError, UnknownConfigKeyError } from "./errors";

// PaddleSeg's configs/deeplabv3p_mobilenetv2_cityscapes.yaml (PaddleSeg 0.x), verbatim.
const PADDLESEG_CITYSCAPES = `EVAL_CROP_SIZE: (2049, 1025) # (width, height), for unpadding rangescaling and stepscaling
TRAIN_CROP_SIZE: (769, 769) # (width, height), for unpadding rangescaling and stepscaling
AUG:
    AUG_METHOD: "stepscaling" # choice unpadding rangescaling and stepscaling
    FIX_RESIZE_SIZE: (2048, 1024) # (width, height), for unpadding
    INF_RESIZE_VALUE: 500  # for rangescaling
    MAX_RESIZE_VALUE: 600  # for rangescaling
    MIN_RESIZE_VALUE: 400  # for rangescaling
    MAX_SCALE_FACTOR: 2.0  # for stepscaling
    MIN_SCALE_FACTOR: 0.5  # for stepscaling
    SCALE_STEP_SIZE: 0.25  # for stepscaling
    MIRROR: True
BATCH_SIZE: 4
DATASET:
    DATA_DIR: "./dataset/cityscapes/"
    IMAGE_TYPE: "rgb"  # choice rgb or rgba
    NUM_CLASSES: 19
    TEST_FILE_LIST: "dataset/cityscapes/val.list"
    TRAIN_FILE_LIST: "dataset/cityscapes/train.list"
    VAL_FILE_LIST: "dataset/cityscapes/val.list"
    IGNORE_INDEX: 255
    SEPARATOR: " "
FREEZE:
    MODEL_FILENAME: "model"
    PARAMS_FILENAME: "params"
MODEL:
    DEFAULT_NORM_TYPE: "bn"
    MODEL_NAME: "deeplabv3p"
    DEEPLAB:
        BACKBONE: "mobilenetv2"
        ASPP_WITH_SEP_CONV: True
        DECODER_USE_SEP_CONV: True
        ENCODER_WITH_ASPP: False
        ENABLE_DECODER: False
TRAIN:
    PRETRAINED_MODEL_DIR: u"pretrained_model/deeplabv3p_mobilenetv2-1-0_bn_coco"
    MODEL_SAVE_DIR: "saved_model/deeplabv3p_mobilenetv2_cityscapes"
    SNAPSHOT_EPOCH: 10
    SYNC_BATCH_NORM: True
TEST:
    TEST_MODEL: "saved_model/deeplabv3p_mobilenetv2_cityscapes/final"
SOLVER:
    LR: 0.01
    LR_POLICY: "poly"
    OPTIMIZER: "sgd"
    NUM_EPOCHS: 100
`;

// SPEC §4's seed command, as the words arrive after the shell removed the quotes.
const SEED_OVERRIDES = [
  "SLIM.NAS_PORT",
  "23333",
  "SLIM.NAS_ADDRESS",
  "",
  "SLIM.NAS_SEARCH_STEPS",
  "2",
  "SLIM.NAS_START_EVAL_EPOCH",
  "-1",
  "SLIM.NAS_IS_SERVER",
  "True",
  "SLIM.NAS_SPACE_NAME",
  "MobileNetV2SpaceSeg",
];

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a throw");
}

describe("PaddleSeg's own cityscapes config", () => {
  const loaded = parseConfigText(PADDLESEG_CITYSCAPES, "configs/deeplabv3p_mobilenetv2_cityscapes.yaml", {
    overrides: SEED_OVERRIDES,
  });
  const cfg = loaded.config;

  test("loads unchanged, tuples and u-strings included", () => {
    expect(cfg.EVAL_CROP_SIZE).toEqual([2049, 1025]);
    expect(cfg.TRAIN_CROP_SIZE).toEqual([769, 769]);
    expect(cfg.AUG.AUG_METHOD).toBe("stepscaling");
    expect(cfg.AUG.FIX_RESIZE_SIZE).toEqual([2048, 1024]);
    expect(cfg.AUG.MIRROR).toBe(true);
    expect(cfg.AUG.MAX_SCALE_FACTOR).toBe(2);
    expect(cfg.BATCH_SIZE).toBe(4);
    expect(cfg.DATASET.NUM_CLASSES).toBe(19);
    expect(cfg.DATASET.SEPARATOR).toBe(" ");
    expect(cfg.DATASET.TRAIN_FILE_LIST).toBe("dataset/cityscapes/train.list");
    expect(cfg.MODEL.MODEL_NAME).toBe("deeplabv3p");
    expect(cfg.MODEL.DEEPLAB.ENCODER_WITH_ASPP).toBe(false);
    expect(cfg.MODEL.DEEPLAB.ENABLE_DECODER).toBe(false);
    expect(cfg.TRAIN.PRETRAINED_MODEL_DIR).toBe("pretrained_model/deeplabv3p_mobilenetv2-1-0_bn_coco");
    expect(cfg.TRAIN.SYNC_BATCH_NORM).toBe(true);
    expect(cfg.SOLVER.LR).toBe(0.01);
    expect(cfg.SOLVER.NUM_EPOCHS).toBe(100);
    // untouched keys keep PaddleSeg's defaults
    expect(cfg.SOLVER.WEIGHT_DECAY).toBe(0.00004);
    expect(cfg.MEAN).toEqual([0.5, 0.5, 0.5]);
    expect(cfg.DATASET.PADDING_VALUE).toEqual([127.5, 127.5, 127.5]);
  });

  test("the seed command's overrides parse right", () => {
    expect(cfg.SLIM).toMatchObject({
      NAS_PORT: 23333,
      NAS_ADDRESS: "",
      NAS_SEARCH_STEPS: 2,
      NAS_START_EVAL_EPOCH: -1,
      NAS_IS_SERVER: true,
      NAS_SPACE_NAME: "MobileNetV2SpaceSeg",
    });
    expect(loaded.sources["SLIM.NAS_PORT"]).toBe("command line override");
    expect(loaded.sources["BATCH_SIZE"]).toBe("configs/deeplabv3p_mobilenetv2_cityscapes.yaml");
  });

  test("reports the keys segnas does not act on", () => {
    expect([...loaded.ignoredKeys].sort()).toEqual(
      [
        "DATASET.TEST_FILE_LIST",
        "FREEZE.MODEL_FILENAME",
        "FREEZE.PARAMS_FILENAME",
        "MODEL.DEEPLAB.BACKBONE",
        "MODEL.DEEPLAB.ASPP_WITH_SEP_CONV",
        "MODEL.DEEPLAB.DECODER_USE_SEP_CONV",
        "TRAIN.PRETRAINED_MODEL_DIR",
        "TRAIN.SNAPSHOT_EPOCH",
        "TRAIN.SYNC_BATCH_NORM",
        "TEST.TEST_MODEL",
      ].sort(),
    );
    expect(loaded.explicitKeys).toContain("SLIM.NAS_ADDRESS");
    expect(loaded.explicitKeys).toContain("MODEL.DEEPLAB.ENCODER_WITH_ASPP");
    expect(loaded.explicitKeys).not.toContain("MEAN");
  });

  test("is deeply frozen and readable by dotted name", () => {
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(Object.isFrozen(cfg.MODEL.DEEPLAB)).toBe(true);
    expect(Object.isFrozen(cfg.TRAIN_CROP_SIZE)).toBe(true);
    expect(() => {
      (cfg.SLIM as { NAS_PORT: number }).NAS_PORT = 1;
    }).toThrow(TypeError);
    expect(loaded.get("SLIM.NAS_PORT")).toBe(23333);
    expect(loaded.get("TRAIN_CROP_SIZE")).toEqual([769, 769]);
    expect(loaded.get("MODEL.DEEPLAB")).toBe(cfg.MODEL.DEEPLAB);
    const e = thrown(() => loaded.get("SLIM.NAS_PROT"));
    expect(e).toBeInstanceOf(UnknownConfigKeyError);
    expect((e as UnknownConfigKeyError).data.suggestions).toEqual(["SLIM.NAS_PORT"]);
  });
});

describe("unknown keys", () => {
  test("in a file: names the key, the file and line, and suggests the closest key", () => {
    const e = thrown(() => parseConfigText("BATCH_SIZE: 2\nSLIM:\n    NAS_PROT: 23333\n", "my.yaml"));
    expect(e).toBeInstanceOf(UnknownConfigKeyError);
    expect(isSegnasError(e) && e.code).toBe("SEGNAS_E_CONFIG_UNKNOWN_KEY");
    expect(e.message).toContain('"SLIM.NAS_PROT"');
    expect(e.message).toContain("my.yaml line 3");
    expect(e.message).toContain("did you mean SLIM.NAS_PORT?".replace("did", "Did"));
    expect((e as UnknownConfigKeyError).data).toMatchObject({
      key: "SLIM.NAS_PROT",
      source: "my.yaml",
      line: 3,
      suggestions: ["SLIM.NAS_PORT"],
    });
  });

  test("as an override: says it came from the command line", () => {
    const e = thrown(() => buildConfig({ overrides: ["SLIM.NAS_PROT", "1"] })) as UnknownConfigKeyError;
    expect(e.message).toBe(
      'unknown config key "SLIM.NAS_PROT" (command line override). Did you mean SLIM.NAS_PORT?',
    );
    expect(e.data.source).toBe("command line override");
  });

  test.each([
    ["NAS_PORT", "SLIM.NAS_PORT"],
    ["slim.nas_port", "SLIM.NAS_PORT"],
    ["SLIM.PORT", "SLIM.NAS_PORT"],
    ["BATCHSIZE", "BATCH_SIZE"],
    ["MODEL.NUM_CLASSES", "DATASET.NUM_CLASSES"],
    ["SEGNAS.SEEDS", "SEGNAS.SEED"],
    ["MODEL.DEEPLAB.ENCODER_WITH_ASSP", "MODEL.DEEPLAB.ENCODER_WITH_ASPP"],
  ])("%s -> did you mean %s", (key, want) => {
    const e = thrown(() => buildConfig({ overrides: [key, "1"] })) as UnknownConfigKeyError;
    expect(e.data.suggestions[0]).toBe(want);
  });

  test("without a close match, lists the group or points at the docs", () => {
    expect(thrown(() => buildConfig({ overrides: ["SLIM.XYZ", "1"] })).message).toContain(
      "The SLIM group has: SLIM.",
    );
    expect(thrown(() => buildConfig({ overrides: ["WHATEVER", "1"] })).message).toContain("docs/config.md");
  });

  test("a group is not a value", () => {
    const e = thrown(() => buildConfig({ overrides: ["DATASET", "1"] }));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toContain("DATASET (command line override) is a group of keys");
    expect(e.message).toContain("DATASET.DATA_DIR");
  });

  test("KEY=VALUE gets a hint", () => {
    const e = thrown(() => buildConfig({ overrides: ["SLIM.NAS_PORT=1", "BATCH_SIZE=2"] }));
    expect(e.message).toContain("written KEY VALUE with a space, e.g. SLIM.NAS_PORT 1");
  });
});

describe("override values", () => {
  test("a dangling override errors clearly", () => {
    const e = thrown(() => buildConfig({ overrides: ["SLIM.NAS_PORT", "23333", "SLIM.NAS_ADDRESS"] }));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toContain('"SLIM.NAS_ADDRESS" has no value');
    expect(e.message).toContain("KEY VALUE pairs");
  });

  test.each([
    ["TRAIN_CROP_SIZE", "(513, 257)", [513, 257]],
    ["TRAIN_CROP_SIZE", "[513, 257]", [513, 257]],
    ["TRAIN_CROP_SIZE", "513,257", [513, 257]],
    ["BATCH_SIZE", "16", 16],
    ["SOLVER.LR", "0.05", 0.05],
    ["SOLVER.LR", "1", 1],
    ["SOLVER.LR", "1e-3", 0.001],
    ["AUG.MIRROR", "False", false],
    ["AUG.MIRROR", "false", false],
    ["AUG.MIRROR", "yes", true],
    ["SLIM.NAS_ADDRESS", "127.0.0.1", "127.0.0.1"],
    ["SLIM.NAS_ADDRESS", "'10.0.0.2'", "10.0.0.2"],
    ["SLIM.NAS_ADDRESS", "10", "10"],
    ["DATASET.DATA_DIR", 'u"data/my set/"', "data/my set/"],
    ["DATASET.VIS_FILE_LIST", "None", null],
    ["DATASET.VIS_FILE_LIST", "vis.list", "vis.list"],
    ["SOLVER.CROSS_ENTROPY_WEIGHT", "[1, 2.5, 0.5]", [1, 2.5, 0.5]],
    ["SOLVER.CROSS_ENTROPY_WEIGHT", "dynamic", "dynamic"],
    ["SOLVER.CROSS_ENTROPY_WEIGHT", "None", null],
    ["SOLVER.LOSS", "softmax_loss", ["softmax_loss"]],
    ["SOLVER.OPTIMIZER", "SGD", "sgd"],
    ["SOLVER.DECAY_EPOCH", "[5, 8]", [5, 8]],
    ["MEAN", "(0.4, 0.5, 0.6)", [0.4, 0.5, 0.6]],
    ["SLIM.NAS_START_EVAL_EPOCH", "-1", -1],
    ["SEGNAS.MAX_FLOPS", "5.7e9", 5.7e9],
    ["SEGNAS.SECRET", "s3cr3t", "s3cr3t"],
  ])("%s %s -> %j", (key, text, want) => {
    expect(buildConfig({ overrides: [key, text] }).get(key)).toEqual(want);
  });

  test.each([
    ["TRAIN_CROP_SIZE", "769", "a tuple of ints like (769, 769)"],
    ["TRAIN_CROP_SIZE", "(769.5, 769)", "a tuple of ints"],
    ["BATCH_SIZE", "four", "an int >= 1"],
    ["BATCH_SIZE", "0", "an int >= 1"],
    ["BATCH_SIZE", "2.5", "an int >= 1"],
    ["BATCH_SIZE", "True", "an int >= 1"],
    ["SOLVER.LR", "fast", "a number >= 0"],
    ["AUG.MIRROR", "maybe", "True or False"],
    ["AUG.MIRROR", "1", "True or False"],
    ["SLIM.NAS_PORT", "70000", "an int from 0 to 65535"],
    ["SLIM.NAS_SPACE_NAME", "True", "a string"],
    ["AUG.AUG_METHOD", "stepscalling", 'one of "unpadding", "stepscaling", "rangescaling"'],
    ["SOLVER.LOSS", "[1]", "a list of strings"],
    ["DATASET.SEPARATOR", "", "a non-empty string"],
    ["SEGNAS.LEASE_SECONDS", "0", "a number > 0"],
  ])("%s %s is a type error naming key, value and type", (key, text, expected) => {
    const e = thrown(() => buildConfig({ overrides: [key, text] })) as ConfigError;
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.code).toBe("SEGNAS_E_CONFIG");
    expect(e.message).toContain(
      `config key ${key} (command line override): ${JSON.stringify(text)} is not ${expected}`,
    );
    expect(e.data).toMatchObject({ key, source: "command line override" });
  });

  test("overrides beat the file, the last setting wins", () => {
    const l = parseConfigText("BATCH_SIZE: 4\n", "f.yaml", {
      overrides: ["BATCH_SIZE", "8", "BATCH_SIZE", "16"],
    });
    expect(l.config.BATCH_SIZE).toBe(16);
    expect(l.explicitKeys).toEqual(["BATCH_SIZE"]);
  });
});

describe("YAML files", () => {
  test("syntax errors name the file and line", () => {
    const e = thrown(() => parseConfigText("BATCH_SIZE: 4\nDATASET:\n    DATA_DIR: [oops\n", "bad.yaml"));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toMatch(/^YAML syntax error in bad\.yaml line \d+, column \d+/);
    expect((e as ConfigError).data.source).toBe("bad.yaml");
    expect((e as ConfigError).data.line).toBeGreaterThanOrEqual(3);
  });

  test("a file indented with tabs says so", () => {
    const e = thrown(() => parseConfigText("SLIM:\n    NAS_PORT: 1\n\tNAS_ADDRESS: x\n", "tabs.yaml"));
    expect(e.message).toMatch(/^YAML syntax error in tabs\.yaml/);
    expect(e.message).toContain("indents with tabs");
  });

  test("a type error in a file names the file and line", () => {
    const e = thrown(() => parseConfigText("AUG:\n    MIRROR: True\n    FLIP_RATIO: lots\n", "aug.yaml"));
    expect(e.message).toContain("config key AUG.FLIP_RATIO (aug.yaml line 3)");
  });

  test("native YAML values, dotted keys, empty groups and PyYAML booleans", () => {
    const text = [
      "MEAN: [0.4, 0.4, 0.4]",
      "SLIM.NAS_PORT: 8000",
      "FREEZE:",
      "  # everything commented out",
      "AUG:",
      "  MIRROR: yes",
      "  FLIP: off",
      "MODEL:",
      "  DEEPLAB.ENABLE_DECODER: false",
      "SOLVER:",
      "  LOSS: [softmax_loss]",
      "  WEIGHT_DECAY: 4e-5",
      "TRAIN:",
      "  MODEL_SAVE_DIR: 2024-01-01",
    ].join("\n");
    const l = parseConfigText(text, "t.yaml");
    expect(l.config.MEAN).toEqual([0.4, 0.4, 0.4]);
    expect(l.config.DATASET.PADDING_VALUE).toEqual([0.4 * 255, 0.4 * 255, 0.4 * 255]);
    expect(l.config.SLIM.NAS_PORT).toBe(8000);
    expect(l.config.AUG.MIRROR).toBe(true);
    expect(l.config.AUG.FLIP).toBe(false);
    expect(l.config.MODEL.DEEPLAB.ENABLE_DECODER).toBe(false);
    expect(l.config.SOLVER.LOSS).toEqual(["softmax_loss"]);
    expect(l.config.SOLVER.WEIGHT_DECAY).toBe(4e-5);
    expect(l.config.TRAIN.MODEL_SAVE_DIR).toBe("2024-01-01");
    expect(l.explicitKeys).not.toContain("FREEZE");
  });

  test("a mapping under a value key is a type error", () => {
    const e = thrown(() => parseConfigText("TRAIN_CROP_SIZE:\n  W: 1\n", "m.yaml"));
    expect(e.message).toContain("TRAIN_CROP_SIZE (m.yaml line 1): a mapping is not a tuple of ints");
  });

  test("duplicate keys: the last wins, with a warning", () => {
    const l = parseConfigText("BATCH_SIZE: 2\nBATCH_SIZE: 3\n", "dup.yaml");
    expect(l.config.BATCH_SIZE).toBe(3);
    expect(l.warnings).toEqual([
      "dup.yaml: BATCH_SIZE is set more than once (lines 1, 2); the last one wins.",
    ]);
  });

  test("an empty file or a comment-only file gives the defaults", () => {
    expect(parseConfigText("", "e.yaml").explicitKeys).toEqual([]);
    expect(parseConfigText("# nothing\n", "e.yaml").config.SOLVER.NUM_EPOCHS).toBe(30);
  });

  test("a file whose top level is not a mapping is refused", () => {
    expect(thrown(() => parseConfigText("- a\n- b\n", "list.yaml")).message).toContain(
      "list.yaml: the top level must be a mapping",
    );
  });

  test("DATA_DIM follows IMAGE_TYPE and an explicit DATA_DIM is reported as ignored", () => {
    const l = parseConfigText("DATASET:\n  IMAGE_TYPE: rgba\n  DATA_DIM: 3\n", "x.yaml");
    expect(l.config.DATASET.DATA_DIM).toBe(4);
    expect(l.ignoredKeys).toEqual(["DATASET.DATA_DIM"]);
  });
});

describe("environment", () => {
  test("SEGNAS_SECRET sets SEGNAS.SECRET over the file; an override still wins", () => {
    const text = "SEGNAS:\n  SECRET: from-file\n";
    expect(parseConfigText(text, "s.yaml", { env: { SEGNAS_SECRET: "from-env" } }).config.SEGNAS.SECRET).toBe(
      "from-env",
    );
    expect(parseConfigText(text, "s.yaml", { env: { SEGNAS_SECRET: "" } }).config.SEGNAS.SECRET).toBe(
      "from-file",
    );
    expect(parseConfigText(text, "s.yaml", { env: {} }).config.SEGNAS.SECRET).toBe("from-file");
    const l = parseConfigText(text, "s.yaml", {
      env: { SEGNAS_SECRET: "e" },
      overrides: ["SEGNAS.SECRET", "o"],
    });
    expect(l.config.SEGNAS.SECRET).toBe("o");
    expect(parseConfigText("", "s.yaml", { env: { SEGNAS_SECRET: "e" } }).sources["SEGNAS.SECRET"]).toBe(
      "environment variable SEGNAS_SECRET",
    );
  });

  test("without env, buildConfig never reads process.env", () => {
    process.env.SEGNAS_SECRET = "leak";
    try {
      expect(buildConfig({}).config.SEGNAS.SECRET).toBe("");
    } finally {
      delete process.env.SEGNAS_SECRET;
    }
  });
});
