/**
 * Which environment variables set which config keys. Containers, Slurm and Kubernetes configure
 * through the environment, so every key has one name there:
 *
 * - `SEGNAS.<NAME>` is `SEGNAS_<NAME>` (SEGNAS_SECRET, SEGNAS_TLS_CA, SEGNAS_STRATEGY, ...);
 * - any other key is `SEGNAS_` + the key with each `.` written `__` (BATCH_SIZE is
 *   SEGNAS_BATCH_SIZE, SLIM.NAS_PORT is SEGNAS_SLIM__NAS_PORT, MODEL.DEEPLAB.ENABLE_DECODER is
 *   SEGNAS_MODEL__DEEPLAB__ENABLE_DECODER).
 *
 * A variable with `__` after `SEGNAS_` that names no key is refused (a typo in a compose file must
 * not be silently ignored); other `SEGNAS_*` variables (SEGNAS_LOG_LEVEL, ...) are not keys and
 * are left to whoever reads them.
 */
import { KEY_SPECS, KEY_SPEC_BY_NAME } from "./key-specs";

const PREFIX = "SEGNAS_";

/** The environment variable that sets `key`. */
export function envVarOf(key: string): string {
  if (key.startsWith("SEGNAS.")) return PREFIX + key.slice("SEGNAS.".length);
  return PREFIX + key.split(".").join("__");
}

/**
 * The key an environment variable sets: a key name, `undefined` for a variable that is not a
 * config variable, or `{ unknown }` (the dotted name it would be) for a `SEGNAS_..__..` name that
 * matches no key.
 */
export function keyOfEnvVar(name: string): string | { readonly unknown: string } | undefined {
  if (!name.startsWith(PREFIX)) return undefined;
  const rest = name.slice(PREFIX.length);
  if (rest.includes("__")) {
    const key = rest.split("__").join(".");
    return KEY_SPEC_BY_NAME.has(key) ? key : { unknown: key };
  }
  // SEGNAS.<NAME>, else a top-level key (BATCH_SIZE, MEAN, ...): no name is both (tested).
  if (KEY_SPEC_BY_NAME.has("SEGNAS." + rest)) return "SEGNAS." + rest;
  return KEY_SPEC_BY_NAME.has(rest) ? rest : undefined;
}

/** Every (variable, key) pair, in key order. */
export function envVarKeys(): ReadonlyArray<readonly [string, string]> {
  return KEY_SPECS.map((s) => [envVarOf(s.key), s.key] as const);
}
