/**
 * Defaults <- YAML text <- environment <- `KEY VALUE` overrides, checked key by key, into one
 * frozen SegConfig. No file I/O here (loadConfig reads the file), so it is easy to test.
 */
import { ConfigError, OVERRIDE_SOURCE, UnknownConfigKeyError, describeSource } from "./errors";
import { coerceValue, describeType } from "./coerce";
import { GROUP_NAMES, KEY_SPECS, KEY_SPEC_BY_NAME, groupKeys } from "./key-specs";
import { formatPythonLiteral, parsePythonLiteral, type PyValue } from "./python-literal";
import type { ConfigKey, ConfigValue, ConfigValueAt, SegConfig } from "./seg-config";
import { suggestKeys } from "./suggest";
import { kindOf, readYamlEntries } from "./yaml-source";
import { envVarKeys, envVarOf, keyOfEnvVar } from "./env-keys";

/** Environment variables the loader reads, and the key each one sets (see env-keys.ts). */
export const ENV_KEYS: Readonly<Record<string, string>> = Object.freeze(Object.fromEntries(envVarKeys()));

export interface ConfigInput {
  /** YAML text of a PaddleSeg config file. */
  readonly text?: string;
  /** Name of that text in messages: the path as the user gave it. */
  readonly sourceName?: string;
  /** Trailing command line words: KEY VALUE KEY VALUE ... (quotes already removed by the shell). */
  readonly overrides?: readonly string[];
  /** Environment: SEGNAS_<NAME> / SEGNAS_<GROUP>__<KEY> variables (env-keys.ts); empty or unset means "not given". */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface LoadedConfig {
  /** The effective config, deeply frozen, PaddleSeg names. */
  readonly config: SegConfig;
  /** Keys set by the file, the environment or overrides, in the order first set. */
  readonly explicitKeys: readonly string[];
  /** The explicit keys that segnas accepts but does not act on (see `ignoreReason`). */
  readonly ignoredKeys: readonly string[];
  /** Where each explicit key got its final value: file path, "command line override" or env var. */
  readonly sources: Readonly<Record<string, string>>;
  /** Non-fatal remarks (e.g. a key set twice in the file). */
  readonly warnings: readonly string[];
  /** The config file's name as given, when there was one. */
  readonly file?: string;
  /** A value by dotted name; a group name gives the frozen group object. */
  get<K extends ConfigKey>(key: K): ConfigValueAt<K>;
  get(key: string): unknown;
}

/** Builds a config from text and overrides; pure (the environment only if passed). */
export function buildConfig(input: ConfigInput = {}): LoadedConfig {
  const values = new Map<string, ConfigValue>(KEY_SPECS.map((s) => [s.key, clone(s.default) as ConfigValue]));
  const sources = new Map<string, string>();
  const warnings: string[] = [];
  const set = (key: string, value: unknown, source: string, line?: number, rawText?: string): void => {
    const spec = KEY_SPEC_BY_NAME.get(key);
    if (spec === undefined) {
      if (GROUP_NAMES.has(key)) {
        if (value === null && line !== undefined) return; // an empty group in a file (all commented out)
        throw groupError(key, source, line);
      }
      throw unknownKeyError(key, source, line);
    }
    const c = coerceValue(spec.type, value, rawText);
    if (!c.ok) {
      const shown = rawText !== undefined ? JSON.stringify(rawText) : showValue(value);
      throw new ConfigError(
        `config key ${key} (${describeSource(source, line)}): ${shown} is not ${describeType(spec.type)}.` +
          ` Default: ${formatPythonLiteral(spec.default as PyValue, { tuple: spec.type.kind === "int-list" && spec.type.tuple })}.`,
        { key, value, expected: describeType(spec.type), source, line },
      );
    }
    values.set(key, c.value);
    sources.set(key, source); // the last setter wins, as for the value
  };

  const explicitOrder: string[] = [];
  const note = (key: string): void => {
    if (KEY_SPEC_BY_NAME.has(key) && !explicitOrder.includes(key)) explicitOrder.push(key);
  };

  if (input.text !== undefined) {
    const source = input.sourceName ?? "<config text>";
    const yamlSource = readYamlEntries(input.text, source);
    warnings.push(...yamlSource.warnings);
    for (const e of yamlSource.entries) {
      const raw = typeof e.value === "string" ? e.value : undefined;
      set(e.key, raw !== undefined ? parsePythonLiteral(raw) : e.value, source, e.line, raw);
      note(e.key);
    }
  }

  for (const name of Object.keys(input.env ?? {}).sort()) {
    const key = keyOfEnvVar(name);
    if (typeof key === "object") throw unknownEnvVarError(name, key.unknown);
    const v = input.env?.[name];
    if (key === undefined || v === undefined || v === "") continue;
    // Strings (secrets, paths, addresses) are taken verbatim; other values read like overrides.
    const kind = KEY_SPEC_BY_NAME.get(key)?.type.kind;
    const value = kind === "string" || kind === "nullable-string" ? v : parsePythonLiteral(v);
    set(key, value, `environment variable ${name}`, undefined, v);
    note(key);
  }

  const words = input.overrides ?? [];
  if (words.length % 2 !== 0) {
    const last = words[words.length - 1];
    throw new ConfigError(
      `overrides must be KEY VALUE pairs, but ${JSON.stringify(last)} has no value ` +
        `(got ${words.length} word${words.length === 1 ? "" : "s"}: ${words.map((w) => JSON.stringify(w)).join(" ")}).` +
        equalsHint(last) +
        ` To set an empty string, pass "" (e.g. SLIM.NAS_ADDRESS "").`,
      { source: OVERRIDE_SOURCE, key: last },
    );
  }
  for (let i = 0; i < words.length; i += 2) {
    set(words[i], parsePythonLiteral(words[i + 1]), OVERRIDE_SOURCE, undefined, words[i + 1]);
    note(words[i]);
  }

  applyDerived(values);
  const config = deepFreeze(nest(values)) as unknown as SegConfig;
  const explicitKeys = Object.freeze([...explicitOrder]);
  const ignoredKeys = Object.freeze(
    explicitKeys.filter((k) => KEY_SPEC_BY_NAME.get(k)?.ignored !== undefined),
  );
  const loaded: LoadedConfig = {
    config,
    explicitKeys,
    ignoredKeys,
    sources: Object.freeze(Object.fromEntries(sources)),
    warnings: Object.freeze(warnings),
    ...(input.text !== undefined && input.sourceName !== undefined ? { file: input.sourceName } : {}),
    get: (key: string) => getConfigValue(config, key),
  } as LoadedConfig;
  return Object.freeze(loaded);
}

/** `buildConfig` for YAML text; `sourceName` names it in messages. */
export function parseConfigText(
  text: string,
  sourceName: string,
  options: { overrides?: readonly string[]; env?: Readonly<Record<string, string | undefined>> } = {},
): LoadedConfig {
  return buildConfig({ text, sourceName, ...options });
}

/** A value (or group object) of a config by dotted name; UnknownConfigKeyError names the nearest keys. */
export function getConfigValue<K extends ConfigKey>(cfg: SegConfig, key: K): ConfigValueAt<K>;
export function getConfigValue(cfg: SegConfig, key: string): unknown;
export function getConfigValue(cfg: SegConfig, key: string): unknown {
  let node: unknown = cfg;
  for (const part of key.split(".")) {
    if (typeof node !== "object" || node === null || Array.isArray(node) || !Object.hasOwn(node, part)) {
      throw unknownKeyError(key, "get()");
    }
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** PaddleSeg's check_and_infer: DATA_DIM from IMAGE_TYPE, PADDING_VALUE from MEAN. */
function applyDerived(values: Map<string, ConfigValue>): void {
  values.set("DATASET.DATA_DIM", values.get("DATASET.IMAGE_TYPE") === "rgba" ? 4 : 3);
  const mean = values.get("MEAN") as readonly number[];
  values.set(
    "DATASET.PADDING_VALUE",
    mean.map((x) => x * 255),
  );
}

function unknownKeyError(key: string, source: string, line?: number): UnknownConfigKeyError {
  const suggestions = suggestKeys(key);
  const group = key.includes(".") ? key.slice(0, key.lastIndexOf(".")) : "";
  let help: string;
  if (suggestions.length > 0) help = ` Did you mean ${suggestions.join(" or ")}?`;
  else if (GROUP_NAMES.has(group)) help = ` The ${group} group has: ${groupKeys(group).join(", ")}.`;
  else help = " It is not a PaddleSeg 0.x key nor a SEGNAS.* key (see docs/config.md for the full list).";
  return new UnknownConfigKeyError(
    `unknown config key ${JSON.stringify(key)} (${describeSource(source, line)}).${help}${equalsHint(key)}`,
    { key, source, line, suggestions },
  );
}

function unknownEnvVarError(name: string, key: string): UnknownConfigKeyError {
  const suggestions = suggestKeys(key);
  const help =
    suggestions.length > 0
      ? ` Did you mean ${suggestions.map((k) => `${envVarOf(k)} (${k})`).join(" or ")}?`
      : " Config variables are SEGNAS_<NAME> for SEGNAS.<NAME> keys and SEGNAS_<GROUP>__<KEY> for the others (docs/config.md).";
  return new UnknownConfigKeyError(
    `environment variable ${name} names no config key (it would be ${JSON.stringify(key)}).${help}`,
    { key, source: `environment variable ${name}`, suggestions },
  );
}

function groupError(key: string, source: string, line?: number): ConfigError {
  const inside = [...KEY_SPECS.map((s) => s.key), ...GROUP_NAMES].filter(
    (k) => k.startsWith(key + ".") && !k.slice(key.length + 1).includes("."),
  );
  return new ConfigError(
    `${key} (${describeSource(source, line)}) is a group of keys, not a value: set one of ${inside.join(", ")}.`,
    { key, source, line },
  );
}

function equalsHint(word: string): string {
  const eq = word.indexOf("=");
  if (eq <= 0) return "";
  const key = word.slice(0, eq);
  return ` Overrides are written KEY VALUE with a space, e.g. ${key} ${word.slice(eq + 1) || "VALUE"}.`;
}

function showValue(v: unknown): string {
  if (v === null) return "None";
  if (typeof v === "object" && !Array.isArray(v)) return kindOf(v);
  if (Array.isArray(v)) return JSON.stringify(v);
  if (typeof v === "boolean") return v ? "True" : "False";
  return JSON.stringify(v);
}

function clone<T>(v: T): T {
  return Array.isArray(v) ? ([...v] as T) : v;
}

function nest(values: Map<string, ConfigValue>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, v] of values) {
    const parts = key.split(".");
    let node = root;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]] = v;
  }
  return root;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
