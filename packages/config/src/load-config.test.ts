import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkSupported } from "./check-supported";
import { ConfigError } from "./errors";
import { loadConfig } from "./load-config";
import { resolveCacheDir, resolveDataPath, resolveFileList, resolveSaveDir } from "./paths";
import { hasSharedFile } from "./testing/shared-data";

const ROOT = path.resolve(__dirname, "../../..");

describe("the shipped configs", () => {
  const files = fs.readdirSync(path.join(ROOT, "configs")).filter((f) => /\.ya?ml$/.test(f));

  test("include cityscapes, camvid-mini and demo", () => {
    expect(files).toEqual(expect.arrayContaining(["cityscapes.yaml", "camvid-mini.yaml", "demo.yaml"]));
  });

  test.each(files)("configs/%s loads and is supported", (f) => {
    const loaded = loadConfig({ file: `configs/${f}`, env: {}, cwd: ROOT });
    expect(() => checkSupported(loaded)).not.toThrow();
    expect(loaded.warnings).toEqual([]);
    expect(loaded.file).toBe(`configs/${f}`);
  });

  test("cityscapes mirrors PaddleSeg's deeplabv3p_mobilenetv2_cityscapes.yaml", () => {
    const cfg = loadConfig({ file: "configs/cityscapes.yaml", env: {}, cwd: ROOT }).config;
    expect(cfg.EVAL_CROP_SIZE).toEqual([2048, 1024]);
    expect(cfg.TRAIN_CROP_SIZE).toEqual([769, 769]);
    expect(cfg.AUG).toMatchObject({
      AUG_METHOD: "stepscaling",
      MIN_SCALE_FACTOR: 0.5,
      MAX_SCALE_FACTOR: 2,
      MIRROR: true,
    });
    expect(cfg.BATCH_SIZE).toBe(4);
    expect(cfg.DATASET).toMatchObject({ NUM_CLASSES: 19, IGNORE_INDEX: 255 });
    expect(cfg.MODEL.DEEPLAB).toMatchObject({
      BACKBONE: "mobilenetv2",
      ENCODER_WITH_ASPP: false,
      ENABLE_DECODER: false,
    });
    expect(cfg.SOLVER).toMatchObject({ LR: 0.01, LR_POLICY: "poly", OPTIMIZER: "sgd", NUM_EPOCHS: 100 });
    expect(cfg.TRAIN.MODEL_SAVE_DIR).toBe("saved_model/deeplabv3p_mobilenetv2_cityscapes");
  });

  test("camvid-mini and demo set only keys segnas acts on", () => {
    for (const f of ["camvid-mini.yaml", "demo.yaml"]) {
      const l = loadConfig({ file: `configs/${f}`, env: {}, cwd: ROOT });
      expect(l.ignoredKeys).toEqual([]);
      expect(l.config.SLIM.NAS_SPACE_NAME).toBe("MobileNetV2SpaceSeg");
      expect(l.config.MODEL.DEEPLAB).toMatchObject({ ENCODER_WITH_ASPP: false, ENABLE_DECODER: false });
    }
  });

  test("camvid-mini points at the shared data set (paths relative to the repository root)", () => {
    const cfg = loadConfig({ file: "configs/camvid-mini.yaml", env: {}, cwd: ROOT }).config;
    expect(cfg.DATASET.NUM_CLASSES).toBe(11);
    expect(cfg.TRAIN_CROP_SIZE).toEqual([128, 96]);
    const list = resolveFileList(cfg, "train", ROOT)!;
    expect(list).toBe(path.resolve(ROOT, "../shared/datasets/camvid-mini/train.list"));
    if (hasSharedFile(list)) {
      const [image, label] = fs.readFileSync(list, "utf8").split("\n")[0].split(cfg.DATASET.SEPARATOR);
      expect(fs.existsSync(resolveDataPath(cfg, image, ROOT))).toBe(true);
      expect(fs.existsSync(resolveDataPath(cfg, label, ROOT))).toBe(true);
    }
  });

  test("demo is small", () => {
    const cfg = loadConfig({ file: "configs/demo.yaml", env: {}, cwd: ROOT }).config;
    expect(cfg.DATASET.NUM_CLASSES).toBe(5);
    expect(cfg.TRAIN_CROP_SIZE).toEqual([64, 64]);
    expect(cfg.SOLVER.NUM_EPOCHS).toBeLessThanOrEqual(8); // ~2 minutes for the whole demo on 2 cores
    expect(cfg.SLIM.NAS_SEARCH_STEPS).toBe(6);
    expect(cfg.DATASET.DATA_DIR).toBe(".cache/segnas/synthetic-demo/");
    expect(cfg.TRAIN.MODEL_SAVE_DIR).toBe("runs/demo");
  });
});

describe("loadConfig", () => {
  test("a missing file names the path", () => {
    let e: unknown;
    try {
      loadConfig({ file: "configs/nope.yaml", cwd: ROOT, env: {} });
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).message).toContain("cannot read config file configs/nope.yaml");
    expect((e as ConfigError).message).toContain("no such file");
    expect((e as ConfigError).data.source).toBe("configs/nope.yaml");
  });

  test("a directory is not a config file", () => {
    expect(() => loadConfig({ file: "configs", cwd: ROOT, env: {} })).toThrow(/it is a directory/);
  });

  test("no file: defaults plus overrides", () => {
    const l = loadConfig({ overrides: ["BATCH_SIZE", "3"], env: {} });
    expect(l.config.BATCH_SIZE).toBe(3);
    expect(l.file).toBeUndefined();
  });

  test("reads SEGNAS_SECRET from the env it is given", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "segnas-config-"));
    try {
      const f = path.join(dir, "c.yaml");
      fs.writeFileSync(f, "\uFEFFBATCH_SIZE: 2\n");
      const l = loadConfig({ file: f, env: { SEGNAS_SECRET: "k" } });
      expect(l.config.BATCH_SIZE).toBe(2);
      expect(l.config.SEGNAS.SECRET).toBe("k");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("path helpers", () => {
  const cfg = loadConfig({ file: "configs/demo.yaml", env: {}, cwd: ROOT }).config;
  test("follow PaddleSeg: lists and dirs relative to cwd, list entries relative to DATA_DIR", () => {
    expect(resolveDataPath(cfg, "images/a.png", "/w")).toBe("/w/.cache/segnas/synthetic-demo/images/a.png");
    expect(resolveDataPath(cfg, "/abs/a.png", "/w")).toBe("/abs/a.png");
    expect(resolveFileList(cfg, "val", "/w")).toBe("/w/.cache/segnas/synthetic-demo/val.list");
    expect(resolveFileList(cfg, "vis", "/w")).toBeUndefined();
    expect(resolveSaveDir(cfg, "/w")).toBe("/w/runs/demo");
    expect(resolveCacheDir(cfg, "/w")).toBe("/w/.cache/segnas");
  });
});
