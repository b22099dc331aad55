/**
 * Checks a parsed value against its key's type and converts it where the intent is clear
 * (a number given for a string key keeps its text; `yes`/`off` for a bool key, as PyYAML reads
 * them; one string for a list of strings). Anything else is a type error the caller reports
 * with the key, the value and `describeType`.
 */
import type { ValueType } from "./key-specs";
import type { ConfigValue } from "./seg-config";

export type Coerced = { readonly ok: true; readonly value: ConfigValue } | { readonly ok: false };

const TRUE_WORDS = new Set(["true", "yes", "on"]);
const FALSE_WORDS = new Set(["false", "no", "off"]);

/** How the expected type reads in an error message. */
export function describeType(t: ValueType): string {
  switch (t.kind) {
    case "int":
      return "an int" + range(t.min, t.max);
    case "float":
      return "a number" + (t.above !== undefined ? ` > ${t.above}` : range(t.min, t.max));
    case "bool":
      return "True or False";
    case "string":
      if (t.choices) return `one of ${t.choices.map((c) => JSON.stringify(c)).join(", ")}`;
      return t.nonEmpty ? "a non-empty string" : "a string";
    case "nullable-string":
      return "a string or None";
    case "int-list":
      return (
        (t.tuple ? "a tuple of ints like (769, 769)" : "a list of ints like [10, 20]") + itemRange(t.min)
      );
    case "float-list":
      return (
        "a list of numbers like [0.5, 0.5, 0.5]" +
        (t.above !== undefined ? ` (each > ${t.above})` : itemRange(t.min))
      );
    case "string-list":
      return t.choices
        ? `a list of strings, each one of ${t.choices.map((c) => JSON.stringify(c)).join(", ")}`
        : "a list of strings";
    case "class-weights":
      return 'None, "dynamic" or a list of one weight per class';
    case "string-or-float":
      return "a string or a number";
  }
}

function range(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` >= ${min}`;
  if (max !== undefined) return ` <= ${max}`;
  return "";
}

function itemRange(min?: number): string {
  return min === undefined ? "" : ` (each >= ${min})`;
}

/**
 * `value`: what the YAML loader or the Python-literal parser produced; `rawText`: the text it
 * came from, when it came from text (lets "10" stay "10" for a string key).
 */
export function coerceValue(t: ValueType, value: unknown, rawText?: string): Coerced {
  const ok = (v: ConfigValue): Coerced => ({ ok: true, value: v });
  const bad: Coerced = { ok: false };
  switch (t.kind) {
    case "int":
      return isInt(value) && inRange(value, t.min, t.max) ? ok(value) : bad;
    case "float":
      return isNum(value) && inRange(value, t.min, t.max) && (t.above === undefined || value > t.above)
        ? ok(value)
        : bad;
    case "bool": {
      if (typeof value === "boolean") return ok(value);
      const w = typeof value === "string" ? value.trim().toLowerCase() : "";
      return TRUE_WORDS.has(w) ? ok(true) : FALSE_WORDS.has(w) ? ok(false) : bad;
    }
    case "string": {
      const s = asText(value, rawText);
      if (s === undefined || (t.nonEmpty && s === "")) return bad;
      if (!t.choices) return ok(s);
      const hit = t.choices.find((c) => c.toLowerCase() === s.toLowerCase());
      return hit === undefined ? bad : ok(hit);
    }
    case "nullable-string": {
      if (value === null) return ok(null);
      const s = asText(value, rawText);
      return s === undefined ? bad : ok(s);
    }
    case "int-list":
      return Array.isArray(value) && value.every((x) => isInt(x) && inRange(x, t.min)) ? ok([...value]) : bad;
    case "float-list":
      return Array.isArray(value) &&
        value.every((x) => isNum(x) && inRange(x, t.min) && (t.above === undefined || x > t.above))
        ? ok([...value])
        : bad;
    case "string-list": {
      const list = typeof value === "string" ? [value] : value;
      if (!Array.isArray(list) || !list.every((x) => typeof x === "string")) return bad;
      if (!t.choices) return ok([...list]);
      const mapped = list.map((x: string) => t.choices!.find((c) => c.toLowerCase() === x.toLowerCase()));
      return mapped.every((x) => x !== undefined) ? ok(mapped as string[]) : bad;
    }
    case "class-weights":
      if (value === null) return ok(null);
      if (typeof value === "string" && value.toLowerCase() === "dynamic") return ok("dynamic");
      return Array.isArray(value) && value.length > 0 && value.every((x) => isNum(x) && x >= 0)
        ? ok([...value])
        : bad;
    case "string-or-float":
      return typeof value === "string" || isNum(value) ? ok(value) : bad;
  }
}

function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v);
}

function isNum(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

function inRange(v: number, min?: number, max?: number): boolean {
  return (min === undefined || v >= min) && (max === undefined || v <= max);
}

/** A string, or the text of a number (a path or address like `10` is still a string). */
function asText(value: unknown, rawText?: string): string | undefined {
  if (typeof value === "string") return value;
  if (isNum(value)) return rawText !== undefined ? rawText.trim() : String(value);
  return undefined;
}
