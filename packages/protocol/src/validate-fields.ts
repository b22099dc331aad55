/**
 * Field checkers for the hand-written message validators. Each reads one field of a decoded
 * object, checks its type and bounds, and throws BadMessageError naming the full path of the
 * field (e.g. `trial.tokens[3]`) and what was wrong with it.
 */
import { BadMessageError } from "./errors";
import { LIMITS } from "./version";
import type { JsonObject, JsonValue } from "./messages";

export type Obj = Record<string, unknown>;

/** A short, safe description of a bad value for error messages (never the whole value). */
export function describe(v: unknown): string {
  if (v === undefined) return "nothing (the field is missing)";
  if (v === null) return "null";
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : String(v);
  if (typeof v === "string") {
    const shown = v.length > 40 ? `${JSON.stringify(v.slice(0, 40))}...` : JSON.stringify(v);
    return `the string ${shown} (length ${v.length})`;
  }
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (isPlainObject(v)) return "an object";
  return `a value of type ${typeof v}`;
}

export function isPlainObject(v: unknown): v is Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Throws BadMessageError for `path` (its first segment is the message type). */
export function bad(path: string, expected: string, got: unknown): never {
  const messageType = path.split(/[.[]/)[0];
  throw new BadMessageError(
    `bad "${messageType}" message: ${path} must be ${expected}, got ${describe(got)}`,
    {
      field: path,
      messageType,
    },
  );
}

export function str(o: Obj, key: string, path: string, max: number, min = 0): string {
  const v = o[key];
  if (typeof v !== "string" || v.length < min || v.length > max)
    bad(`${path}.${key}`, `a string of ${min}..${max} characters`, v);
  return v;
}

export function int(o: Obj, key: string, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max)
    bad(`${path}.${key}`, `an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? "2^53" : max}]`, v);
  return v;
}

export function u32(o: Obj, key: string, path: string): number {
  return int(o, key, path, 0, 0xffffffff);
}

/** A finite number; `positive` excludes 0, `min` is inclusive. */
export function num(
  o: Obj,
  key: string,
  path: string,
  bounds: { min?: number; positive?: boolean } = {},
): number {
  const v = o[key];
  const ok =
    typeof v === "number" &&
    Number.isFinite(v) &&
    (bounds.min === undefined || v >= bounds.min) &&
    (!bounds.positive || v > 0);
  if (!ok) {
    const what = bounds.positive
      ? "a finite number > 0"
      : bounds.min !== undefined
        ? `a finite number >= ${bounds.min}`
        : "a finite number";
    bad(`${path}.${key}`, what, v);
  }
  return v as number;
}

export function bool(o: Obj, key: string, path: string): boolean {
  const v = o[key];
  if (typeof v !== "boolean") bad(`${path}.${key}`, "a boolean", v);
  return v;
}

export function obj(o: Obj, key: string, path: string): Obj {
  const v = o[key];
  if (!isPlainObject(v)) bad(`${path}.${key}`, "an object", v);
  return v;
}

export function arr(o: Obj, key: string, path: string, max: number): unknown[] {
  const v = o[key];
  if (!Array.isArray(v) || v.length > max) bad(`${path}.${key}`, `an array of at most ${max} items`, v);
  return v;
}

/** Search-space tokens: non-negative safe integers. */
export function tokens(o: Obj, key: string, path: string): number[] {
  const a = arr(o, key, path, LIMITS.tokens);
  for (let i = 0; i < a.length; i++) {
    const t = a[i];
    if (typeof t !== "number" || !Number.isSafeInteger(t) || t < 0)
      bad(`${path}.${key}[${i}]`, "a non-negative integer (a token)", t);
  }
  return a as number[];
}

export function numbers(o: Obj, key: string, path: string, max: number): number[] {
  const a = arr(o, key, path, max);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (typeof x !== "number" || !Number.isFinite(x)) bad(`${path}.${key}[${i}]`, "a finite number", x);
  }
  return a as number[];
}

/** A record of finite numbers with bounded key count and key length. */
export function numberRecord(o: Obj, key: string, path: string): Record<string, number> {
  const r = obj(o, key, path);
  const keys = Object.keys(r);
  if (keys.length > LIMITS.metrics)
    bad(`${path}.${key}`, `an object of at most ${LIMITS.metrics} entries`, r);
  const out: Record<string, number> = {};
  for (const k of keys) {
    if (k.length === 0 || k.length > LIMITS.metricName)
      bad(`${path}.${key}`, `an object whose names have 1..${LIMITS.metricName} characters`, k);
    const x = r[k];
    if (typeof x !== "number" || !Number.isFinite(x)) bad(`${path}.${key}.${k}`, "a finite number", x);
    out[k] = x;
  }
  return out;
}

/** Plain JSON (null, booleans, finite numbers, strings, arrays, plain objects), bounded depth. */
export function json(v: unknown, path: string, depth = 0): JsonValue {
  // Fast pass without building a path string per node (an architecture has hundreds); only
  // invalid data takes the second pass, which names the offending field.
  if (isJson(v, depth)) return v as JsonValue;
  return jsonNamingTheField(v, path, depth);
}

function isJson(v: unknown, depth: number): boolean {
  if (depth > LIMITS.depth) return false;
  if (v === null || typeof v === "boolean" || typeof v === "string") return true;
  if (typeof v === "number") return Number.isFinite(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!isJson(v[i], depth + 1)) return false;
    return true;
  }
  if (isPlainObject(v)) {
    // for-in (own keys only: plain objects have no enumerable inherited ones) allocates no key array
    for (const k in v) if (!isJson(v[k], depth + 1)) return false;
    return true;
  }
  return false;
}

function jsonNamingTheField(v: unknown, path: string, depth: number): JsonValue {
  if (depth > LIMITS.depth) bad(path, `JSON nested at most ${LIMITS.depth} deep`, v);
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) bad(path, "a finite number", v);
    return v;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) jsonNamingTheField(v[i], `${path}[${i}]`, depth + 1);
    return v as JsonValue[];
  }
  if (isPlainObject(v)) {
    for (const k of Object.keys(v)) jsonNamingTheField(v[k], `${path}.${k}`, depth + 1);
    return v as JsonObject;
  }
  return bad(path, "plain JSON data", v);
}

export function jsonObject(o: Obj, key: string, path: string): JsonObject {
  const v = obj(o, key, path);
  json(v, `${path}.${key}`);
  return v as JsonObject;
}

/** Copies `key` into `out` only when present (undefined counts as absent). */
export function opt<T>(o: Obj, key: string, read: () => T, out: Record<string, unknown>): void {
  if (o[key] !== undefined) out[key] = read();
}
