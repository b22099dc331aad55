import { buildConfig } from "./build-config";
import { checkSupported, findConfigProblems } from "./check-supported";
import { describeIgnoredKeys } from "./describe-ignored";
import { ConfigError } from "./errors";

const OK = ["TRAIN_CROP_SIZE", "(128, 96)", "EVAL_CROP_SIZE", "(128, 96)", "MODEL.MODEL_NAME", "deeplabv3p"];
const problems = (...overrides: string[]): string[] =>
  findConfigProblems(buildConfig({ overrides: [...OK, ...overrides] }));

describe("checkSupported", () => {
  test("a plain deeplabv3p config passes", () => {
    expect(problems()).toEqual([]);
    expect(() => checkSupported(buildConfig({ overrides: OK }))).not.toThrow();
  });

  test("an empty MODEL_NAME counts as deeplabv3p", () => {
    expect(problems("MODEL.MODEL_NAME", "")).toEqual([]);
  });

  test("refuses other models and says what is supported", () => {
    let e: unknown;
    try {
      checkSupported(buildConfig({ overrides: [...OK, "MODEL.MODEL_NAME", "unet"] }));
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).code).toBe("SEGNAS_E_CONFIG");
    expect((e as ConfigError).message).toContain('MODEL.MODEL_NAME "unet" is not supported');
    expect((e as ConfigError).message).toContain('"deeplabv3p"');
  });

  test("PaddleSeg's empty crop sizes are refused with its advice", () => {
    const p = findConfigProblems(buildConfig({}));
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringContaining("TRAIN_CROP_SIZE is empty: set a pair of values (width, height)"),
        expect.stringContaining("EVAL_CROP_SIZE is empty"),
      ]),
    );
  });

  test.each([
    [["TRAIN_CROP_SIZE", "(1, 2, 3)"], "TRAIN_CROP_SIZE must be (width, height)"],
    [["DATASET.NUM_CLASSES", "1"], "NUM_CLASSES must be at least 2"],
    [["DATASET.IGNORE_INDEX", "3"], "IGNORE_INDEX 3 is a class id"],
    [["MEAN", "[0.5, 0.5]"], "MEAN has 2 values"],
    [
      ["DATASET.IMAGE_TYPE", "rgba", "STD", "[0.5, 0.5, 0.5, 0.5]"],
      "MEAN has 3 values but IMAGE_TYPE rgba images have 4 channels",
    ],
    [["MODEL.DEFAULT_NORM_TYPE", "gn"], "batch norm"],
    [["SOLVER.LOSS", "['dice_loss']"], "SOLVER.LOSS"],
    [["AUG.AUG_METHOD", "stepscaling", "AUG.MIN_SCALE_FACTOR", "3"], "MIN_SCALE_FACTOR 3 is above"],
    [["AUG.AUG_METHOD", "rangescaling", "AUG.MIN_RESIZE_VALUE", "700"], "MIN_RESIZE_VALUE 700 is above"],
    [["AUG.FIX_RESIZE_SIZE", "(5,)"], "FIX_RESIZE_SIZE must be (width, height)"],
    [["SOLVER.LR_POLICY", "piecewise", "SOLVER.DECAY_EPOCH", "[20, 10]"], "DECAY_EPOCH must be increasing"],
    [
      ["SOLVER.CROSS_ENTROPY_WEIGHT", "[1.0, 2.0]"],
      "CROSS_ENTROPY_WEIGHT has 2 weights but NUM_CLASSES is 19",
    ],
    [["SLIM.NAS_START_EVAL_EPOCH", "30"], "every reward would be 0"],
    [["SEGNAS.HEARTBEAT_SECONDS", "200"], "HEARTBEAT_SECONDS 200 must be below SEGNAS.LEASE_SECONDS 120"],
  ])("%j -> %s", (overrides, want) => {
    expect(problems(...overrides)).toEqual([expect.stringContaining(want)]);
  });

  test("reports every problem at once", () => {
    let e: unknown;
    try {
      checkSupported(buildConfig({ overrides: ["MODEL.MODEL_NAME", "icnet", "DATASET.NUM_CLASSES", "1"] }));
    } catch (err) {
      e = err;
    }
    const err = e as ConfigError;
    expect(err.data.problems!.length).toBe(4);
    expect(err.message).toMatch(/^unsupported config \(4 problems\):\n {2}- /);
  });
});

describe("describeIgnoredKeys", () => {
  test("groups keys by reason on one line", () => {
    const l = buildConfig({
      overrides: ["FREEZE.SAVE_DIR", "x", "FREEZE.MODEL_FILENAME", "m", "MODEL.FP16", "True"],
    });
    expect(describeIgnoredKeys(l.ignoredKeys)).toBe(
      "ignored config keys (accepted, not acted on): FREEZE.SAVE_DIR, FREEZE.MODEL_FILENAME " +
        "(segnas has no model export step); MODEL.FP16 (segnas trains in float32)",
    );
    expect(describeIgnoredKeys([])).toBe("");
  });
});
