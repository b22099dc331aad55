import { buildConfig, parseConfigText } from "./build-config";
import { configToYaml } from "./to-yaml";

describe("configToYaml", () => {
  test("the defaults round-trip", () => {
    const cfg = buildConfig({}).config;
    expect(parseConfigText(configToYaml(cfg), "out.yaml").config).toEqual(cfg);
  });

  test("awkward values round-trip", () => {
    // prettier-ignore
    const l = buildConfig({
      overrides: [
        "TRAIN_CROP_SIZE", "(769, 769)",
        "EVAL_CROP_SIZE", "(5,)",
        "DATASET.DATA_DIR", "'True'",
        "DATASET.SEPARATOR", "'\\t'",
        "DATASET.VIS_FILE_LIST", "'(1, 2)'",
        "TRAIN.MODEL_SAVE_DIR", "'10'",
        "SLIM.NAS_ADDRESS", "it's \"here\"",
        "SLIM.NAS_SPACE_NAME", "u'x'",
        "SOLVER.CROSS_ENTROPY_WEIGHT", "[1, 2.5]",
        "SOLVER.LR", "1e-7",
        "MODEL.SCALE_LOSS", "128",
        "SEGNAS.MAX_FLOPS", "5.7e9",
      ],
    });
    const yaml = configToYaml(l);
    expect(yaml).toContain("TRAIN_CROP_SIZE: (769, 769)\n");
    expect(yaml).toContain("EVAL_CROP_SIZE: (5,)\n");
    expect(yaml).toContain(`    DATA_DIR: "'True'"\n`);
    const back = parseConfigText(yaml, "out.yaml").config;
    expect(back).toEqual(l.config);
    expect(back.DATASET.DATA_DIR).toBe("True");
    expect(back.DATASET.SEPARATOR).toBe("\t");
    expect(back.SLIM.NAS_SPACE_NAME).toBe("x");
  });

  test("redacts the shared secret unless asked not to", () => {
    const cfg = buildConfig({ overrides: ["SEGNAS.SECRET", "hunter2"] }).config;
    const redacted = configToYaml(cfg);
    expect(redacted).not.toContain("hunter2");
    expect(redacted).toContain('SECRET: ""  # redacted');
    expect(parseConfigText(redacted, "r.yaml").config.SEGNAS.SECRET).toBe("");
    expect(parseConfigText(configToYaml(cfg, { redactSecret: false }), "r.yaml").config.SEGNAS.SECRET).toBe(
      "hunter2",
    );
  });

  test("writes PaddleSeg style: nested groups, 4-space indent, Python booleans, header", () => {
    const yaml = configToYaml(buildConfig({}).config, { header: ["run 7"] });
    expect(yaml.startsWith("# Effective segnas config")).toBe(true);
    expect(yaml).toContain("# run 7\n");
    expect(yaml).toContain('MODEL:\n    MODEL_NAME: ""\n');
    expect(yaml).toContain("        ENCODER_WITH_ASPP: True\n");
    expect(yaml).toContain("    VIS_FILE_LIST: None\n");
    expect(yaml).toContain("    LR: 0.1\n");
    expect(yaml).toContain("    MAX_SCALE_FACTOR: 2.0\n");
  });
});
