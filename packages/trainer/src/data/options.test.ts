import { DEFAULT_DATA_OPTIONS, dataOptionsFromConfig, resolveDataOptions } from "./options";

describe("data options", () => {
  it("defaults to PaddleSeg's values", () => {
    const o = resolveDataOptions();
    expect(o).toEqual(DEFAULT_DATA_OPTIONS);
    expect(o.augMethod).toBe("unpadding");
    expect(o.trainCropSize).toBeNull();
  });

  it("reads dotted PaddleSeg keys through any getter", () => {
    const cfg: Record<string, unknown> = {
      "DATASET.DATA_DIR": "/d",
      "DATASET.NUM_CLASSES": 11,
      "DATASET.SEPARATOR": "|",
      "AUG.AUG_METHOD": "stepscaling",
      "AUG.SCALE_STEP_SIZE": 0,
      "AUG.MIRROR": "False",
      TRAIN_CROP_SIZE: "(128, 96)",
      EVAL_CROP_SIZE: [128, 96],
      MEAN: [0.4, 0.5, 0.6],
      BATCH_SIZE: 4,
      "DATASET.PADDING_VALUE": 0,
    };
    const o = dataOptionsFromConfig((k) => cfg[k]);
    expect(o).toMatchObject({
      dataDir: "/d",
      numClasses: 11,
      separator: "|",
      augMethod: "stepscaling",
      scaleStepSize: 0,
      mirror: false,
      trainCropSize: [128, 96],
      evalCropSize: [128, 96],
      mean: [0.4, 0.5, 0.6],
      paddingValue: [0, 0, 0],
      batchSize: 4,
    });
    expect(dataOptionsFromConfig((k) => (k === "EVAL_CROP_SIZE" ? [] : undefined)).evalCropSize).toBeNull();
  });

  it("names the PaddleSeg key of a bad value", () => {
    expect(() => resolveDataOptions({ augMethod: "zoom" })).toThrow(/AUG\.AUG_METHOD = "zoom" is invalid/);
    expect(() => resolveDataOptions({ trainCropSize: [1, 2, 3] })).toThrow(/TRAIN_CROP_SIZE/);
    expect(() => resolveDataOptions({ std: [0.5, 0, 0.5] })).toThrow(/^STD/);
    expect(() => resolveDataOptions({ numClasses: 300 })).toThrow(/IGNORE_INDEX .*must not be a class id/);
    expect(() => resolveDataOptions({ minScaleFactor: 2, maxScaleFactor: 1 })).toThrow(/MAX_SCALE_FACTOR/);
  });
});
