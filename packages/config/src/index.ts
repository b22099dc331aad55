/**
 * @segnas/config — PaddleSeg YAML + `KEY VALUE` overrides -> one validated, frozen, typed config.
 *
 * Usage (what every command does):
 * ```ts
 * const loaded = loadConfig({ file: argv.cfg, overrides: argv._rest, env: process.env });
 * checkSupported(loaded);                         // model family + cross-key sanity, all problems at once
 * const line = describeIgnoredKeys(loaded.ignoredKeys);
 * if (line) logger.warn(line);                    // keys accepted but not acted on, reported once
 * for (const w of loaded.warnings) logger.warn(w);
 * const cfg = loaded.config;                      // cfg.SLIM.NAS_PORT, cfg.TRAIN_CROP_SIZE = [w, h], ...
 * fs.writeFileSync(path.join(runDir, "config.yaml"), configToYaml(cfg));
 * ```
 *
 * Rules (docs/config.md has the key list):
 * - Keys are PaddleSeg 0.x's full key set with its defaults, plus segnas' own `SEGNAS.*` group.
 *   Any other key is an UnknownConfigKeyError (SEGNAS_E_CONFIG_UNKNOWN_KEY) naming the key, its
 *   source (file path + line, or "command line override") and the closest known keys.
 * - Precedence: defaults < file < environment (SEGNAS_<NAME> -> SEGNAS.<NAME>, SEGNAS_<GROUP>__<KEY>
 *   -> GROUP.KEY, when non-empty; `envVarOf`, `keyOfEnvVar`) < overrides. Overrides are KEY VALUE word pairs; an odd count is a ConfigError.
 * - Every string value (file or override) is read like PaddleSeg's `ast.literal_eval`, falling back
 *   to the raw text (`parsePythonLiteral`), then checked against the key's type (ConfigError names
 *   key, value and expected type). Tuples/lists become arrays: crop sizes are `[width, height]`.
 * - DATASET.DATA_DIM and DATASET.PADDING_VALUE are derived (from IMAGE_TYPE, MEAN x 255) as
 *   PaddleSeg's check_and_infer does. MODEL.MODEL_NAME "" counts as "deeplabv3p".
 * - Paths are kept as written; `resolveDataPath` and friends apply PaddleSeg's rules.
 * Nothing here touches the disk except `loadConfig` reading its one file.
 */
export { loadConfig, type LoadConfigOptions } from "./load-config";
export {
  buildConfig,
  parseConfigText,
  getConfigValue,
  ENV_KEYS,
  type ConfigInput,
  type LoadedConfig,
} from "./build-config";
export { envVarOf, keyOfEnvVar, envVarKeys } from "./env-keys";
export { checkSupported, findConfigProblems, SUPPORTED } from "./check-supported";
export { configToYaml, type ConfigToYamlOptions } from "./to-yaml";
export {
  resolveDataPath,
  resolveFileList,
  resolveCacheDir,
  resolveSaveDir,
  DEFAULT_CACHE_DIR,
  type FileListName,
} from "./paths";
export {
  parsePythonLiteral,
  tryParsePythonLiteral,
  formatPythonLiteral,
  type PyValue,
  type PyParseResult,
} from "./python-literal";
export {
  ConfigError,
  UnknownConfigKeyError,
  OVERRIDE_SOURCE,
  type ConfigErrorData,
  type UnknownConfigKeyData,
} from "./errors";
export {
  KEY_SPECS,
  KEY_SPEC_BY_NAME,
  GROUP_NAMES,
  ignoreReason,
  groupKeys,
  type KeySpec,
  type ValueType,
} from "./key-specs";
export { describeIgnoredKeys } from "./describe-ignored";
export { describeType } from "./coerce";
export { suggestKeys } from "./suggest";
export type { SegConfig, ConfigKey, ConfigValue, ConfigValueAt, List } from "./seg-config";
