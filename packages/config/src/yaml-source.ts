/**
 * A PaddleSeg YAML file -> flat `(dotted key, value, line)` entries. PaddleSeg files nest
 * groups (`DATASET:\n    DATA_DIR: ...`), may also use dotted keys (`SLIM.NAS_PORT: 1`, which
 * PaddleSeg accepts), and write tuples and `u"..."` as plain scalars that PaddleSeg later runs
 * through `literal_eval` (done by the caller). The core schema keeps dates and `yes` as text;
 * duplicate keys are allowed, last one wins, as in PyYAML, and reported as warnings.
 */
import * as yaml from "js-yaml";
import { ConfigError } from "./errors";
import { KEY_SPEC_BY_NAME } from "./key-specs";

export interface YamlEntry {
  readonly key: string;
  /** As js-yaml produced it: strings still need the Python-literal step. */
  readonly value: unknown;
  /** 1-based line of the key, when the simple indentation scan found it. */
  readonly line?: number;
}

export interface YamlSource {
  readonly entries: readonly YamlEntry[];
  readonly warnings: readonly string[];
}

export function readYamlEntries(text: string, sourceName: string): YamlSource {
  const body = text.replace(/^\uFEFF/, "");
  let doc: unknown;
  try {
    doc = yaml.load(body, { filename: sourceName, schema: yaml.CORE_SCHEMA, json: true });
  } catch (e) {
    if (e instanceof yaml.YAMLException) {
      const line = e.mark ? e.mark.line + 1 : undefined;
      const where = e.mark ? `${sourceName} line ${line}, column ${e.mark.column + 1}` : sourceName;
      const near = line !== undefined ? body.split(/\r?\n/)[line - 1] : undefined;
      throw new ConfigError(
        `YAML syntax error in ${where}: ${e.reason}` +
          (near !== undefined && near.trim() !== "" ? `\n  near: ${near.trim()}` : "") +
          (/^ *\t/m.test(body)
            ? "\nThe file indents with tabs: YAML allows only spaces for indentation."
            : "") +
          "\nFix the file (PaddleSeg configs are 'KEY: value' lines, groups indented under 'GROUP:').",
        { source: sourceName, line },
        { cause: e },
      );
    }
    throw e;
  }
  if (doc === null || doc === undefined) return { entries: [], warnings: [] };
  if (!isMapping(doc)) {
    throw new ConfigError(
      `${sourceName}: the top level must be a mapping of 'KEY: value' lines (PaddleSeg config), not ${kindOf(doc)}.`,
      { source: sourceName },
    );
  }
  const lines = locateKeys(body);
  const entries: YamlEntry[] = [];
  const walk = (obj: Record<string, unknown>, prefix: string): void => {
    for (const [k, v] of Object.entries(obj)) {
      const key = prefix === "" ? k : `${prefix}.${k}`;
      // A mapping under a known leaf stays a (bad) value; the type check reports it.
      if (isMapping(v) && !KEY_SPEC_BY_NAME.has(key)) walk(v, key);
      else entries.push({ key, value: v, line: lines.get(key)?.at(-1) });
    }
  };
  walk(doc, "");
  const warnings = [...lines]
    .filter(([, at]) => at.length > 1)
    .map(
      ([key, at]) =>
        `${sourceName}: ${key} is set more than once (lines ${at.join(", ")}); the last one wins.`,
    );
  return { entries, warnings };
}

export function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function kindOf(v: unknown): string {
  if (v === null) return "None";
  if (Array.isArray(v)) return "a list";
  if (isMapping(v)) return "a mapping";
  return `a ${typeof v}`;
}

const KEY_LINE = /^( *)([A-Za-z0-9_.-]+|"[^"]*"|'[^']*')[ \t]*:(?:[ \t]+(.*))?$/;

/**
 * Dotted key -> every line where it is set, from indentation alone: enough for block-style
 * PaddleSeg files (flow mappings simply get no line numbers).
 */
export function locateKeys(text: string): Map<string, number[]> {
  const found = new Map<string, number[]>();
  const stack: { indent: number; path: string }[] = [];
  let blockIndent = -1; // inside a block scalar (| or >) started by a key at this indent
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const indent = raw.length - raw.trimStart().length;
    const trimmed = raw.trim();
    if (blockIndent >= 0) {
      if (trimmed === "" || indent > blockIndent) return;
      blockIndent = -1;
    }
    if (trimmed === "" || trimmed.startsWith("#") || trimmed === "---" || trimmed === "...") return;
    const m = KEY_LINE.exec(raw.replace(/\s+#.*$/, ""));
    if (!m) return;
    const key = m[2].replace(/^["']|["']$/g, "");
    while (stack.length > 0 && stack[stack.length - 1].indent >= indent) stack.pop();
    const path = stack.length > 0 ? `${stack[stack.length - 1].path}.${key}` : key;
    stack.push({ indent, path });
    found.set(path, [...(found.get(path) ?? []), i + 1]);
    if (/^[|>]/.test(m[3] ?? "")) blockIndent = indent;
  });
  return found;
}
