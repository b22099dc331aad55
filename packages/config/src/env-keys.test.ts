import { buildConfig } from "./build-config";
import { envVarKeys, envVarOf, keyOfEnvVar } from "./env-keys";
import { KEY_SPECS } from "./key-specs";

describe("environment variables for config keys", () => {
  test("SEGNAS.<NAME> is SEGNAS_<NAME>; other keys are SEGNAS_<GROUP>__<KEY>", () => {
    expect(envVarOf("SEGNAS.SECRET")).toBe("SEGNAS_SECRET");
    expect(envVarOf("SEGNAS.TLS_CA")).toBe("SEGNAS_TLS_CA");
    expect(envVarOf("SLIM.NAS_PORT")).toBe("SEGNAS_SLIM__NAS_PORT");
    expect(envVarOf("MODEL.DEEPLAB.ENABLE_DECODER")).toBe("SEGNAS_MODEL__DEEPLAB__ENABLE_DECODER");
    expect(envVarOf("BATCH_SIZE")).toBe("SEGNAS_BATCH_SIZE");
    expect(keyOfEnvVar("SEGNAS_SLIM__NAS_PORT")).toBe("SLIM.NAS_PORT");
    expect(keyOfEnvVar("SEGNAS_LOG_LEVEL")).toBeUndefined();
    expect(keyOfEnvVar("PATH")).toBeUndefined();
    expect(keyOfEnvVar("SEGNAS_SLIM__NAS_PROT")).toEqual({ unknown: "SLIM.NAS_PROT" });
  });

  test("the mapping is one-to-one over every key", () => {
    const pairs = envVarKeys();
    expect(pairs).toHaveLength(KEY_SPECS.length);
    expect(new Set(pairs.map(([v]) => v)).size).toBe(KEY_SPECS.length);
    for (const [v, k] of pairs) expect(keyOfEnvVar(v)).toBe(k);
  });

  test("values: strings verbatim, others read like overrides; overrides still win", () => {
    const env = {
      SEGNAS_SLIM__NAS_PORT: "24000",
      SEGNAS_SLIM__NAS_ADDRESS: "10",
      SEGNAS_SECRET: "'quoted'",
      SEGNAS_TRAIN_CROP_SIZE: "(64, 48)",
      SEGNAS_ALLOW_NO_SECRET: "True",
      SEGNAS_SLIM__NAS_SEARCH_STEPS: "",
      SEGNAS_LOG_LEVEL: "debug",
    };
    const c = buildConfig({ env, overrides: ["SLIM.NAS_PORT", "25000"] });
    expect(c.config.SLIM.NAS_PORT).toBe(25000);
    expect(c.config.SLIM.NAS_ADDRESS).toBe("10");
    expect(c.config.SEGNAS.SECRET).toBe("'quoted'");
    expect(c.config.TRAIN_CROP_SIZE).toEqual([64, 48]);
    expect(c.config.SEGNAS.ALLOW_NO_SECRET).toBe(true);
    expect(c.config.SLIM.NAS_SEARCH_STEPS).toBe(100);
    expect(c.sources["SLIM.NAS_ADDRESS"]).toBe("environment variable SEGNAS_SLIM__NAS_ADDRESS");
    expect(buildConfig({ env: { SEGNAS_SLIM__NAS_PORT: "24000" } }).config.SLIM.NAS_PORT).toBe(24000);
  });

  test("a misspelt variable is refused with the right name; a bad value names its variable", () => {
    expect(() => buildConfig({ env: { SEGNAS_SLIM__NAS_PROT: "1" } })).toThrow(
      /environment variable SEGNAS_SLIM__NAS_PROT names no config key .*Did you mean SEGNAS_SLIM__NAS_PORT \(SLIM\.NAS_PORT\)/,
    );
    expect(() => buildConfig({ env: { SEGNAS_SLIM__NAS_PORT: "many" } })).toThrow(
      /SLIM\.NAS_PORT \(environment variable SEGNAS_SLIM__NAS_PORT\)/,
    );
  });
});
