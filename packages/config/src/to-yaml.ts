/**
 * The effective config as PaddleSeg-style YAML (nested groups, 4-space indent, tuples written
 * as `(w, h)`, Python True/False/None), for a run directory. It loads back through the same
 * loader to the same config. The shared secret is redacted unless asked otherwise.
 */
import type { LoadedConfig } from "./build-config";
import { unwrap } from "./check-supported";
import { KEY_SPEC_BY_NAME, type ValueType } from "./key-specs";
import { formatPythonLiteral, parsePythonLiteral } from "./python-literal";
import type { SegConfig } from "./seg-config";

export interface ConfigToYamlOptions {
  /** Write SEGNAS.SECRET as "" (default true): run directories are often shared. */
  readonly redactSecret?: boolean;
  /** Extra comment lines for the header (without "#"). */
  readonly header?: readonly string[];
}

export function configToYaml(
  cfgOrLoaded: SegConfig | LoadedConfig,
  options: ConfigToYamlOptions = {},
): string {
  const cfg = unwrap(cfgOrLoaded);
  const redact = options.redactSecret ?? true;
  const out: string[] = [
    "# Effective segnas config: PaddleSeg 0.x keys plus the SEGNAS.* extensions.",
    "# Load it again with --cfg <this file>.",
    ...(options.header ?? []).map((l) => `# ${l}`),
  ];
  const walk = (node: Record<string, unknown>, prefix: string, depth: number): void => {
    const pad = "    ".repeat(depth);
    for (const [name, value] of Object.entries(node)) {
      const key = prefix === "" ? name : `${prefix}.${name}`;
      const spec = KEY_SPEC_BY_NAME.get(key);
      if (spec === undefined) {
        if (key === "SEGNAS") out.push("# segnas extensions (PaddleSeg itself does not know this group)");
        out.push(`${pad}${name}:`);
        walk(value as Record<string, unknown>, key, depth + 1);
      } else if (key === "SEGNAS.SECRET" && redact && value !== "") {
        out.push(`${pad}${name}: ""  # redacted: give it with the SEGNAS_SECRET environment variable`);
      } else {
        out.push(`${pad}${name}: ${formatValue(spec.type, value)}`);
      }
    }
  };
  walk(cfg as unknown as Record<string, unknown>, "", 0);
  return out.join("\n") + "\n";
}

function formatValue(t: ValueType, v: unknown): string {
  if (v === null) return "None";
  switch (t.kind) {
    case "float":
      return formatPythonLiteral(v as number, { float: true });
    case "int-list":
      return formatPythonLiteral(v as number[], { tuple: t.tuple });
    case "float-list":
      return formatPythonLiteral(v as number[], { float: true });
    case "class-weights":
      return Array.isArray(v) ? formatPythonLiteral(v as number[], { float: true }) : yamlString(v as string);
    case "string-list":
      // Items of a YAML list are not run through literal_eval: plain YAML strings.
      return `[${(v as string[]).map((s) => JSON.stringify(s)).join(", ")}]`;
    default:
      return typeof v === "string" ? yamlString(v) : formatPythonLiteral(v as number | boolean);
  }
}

/**
 * A YAML double-quoted string whose content reads back as `s` after the literal_eval step:
 * text that would parse as something else ("True", "10", "(1, 2)") is written as a Python
 * string literal inside the YAML string.
 */
function yamlString(s: string): string {
  return JSON.stringify(parsePythonLiteral(s) === s ? s : formatPythonLiteral(s));
}
