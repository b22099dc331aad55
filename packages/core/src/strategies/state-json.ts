/**
 * Reading strategy snapshots back: every field is checked, and a mismatch is a BadStateError
 * that names the strategy and the field (a journal from another version, hand edits).
 */
import { SegnasError } from "../errors";
import { Rng, type RngState } from "../rng";
import type { SearchSpace } from "../search-space";

/** A snapshot field that was present but unusable. */
export function badState(strategy: string, message: string, data: Record<string, unknown> = {}): SegnasError {
  return new SegnasError(
    "SEGNAS_E_BAD_STATE",
    `cannot restore strategy ${strategy}: ${message} (was the snapshot written by another segnas version?)`,
    { strategy, ...data },
  );
}

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** Typed accessors over one snapshot object. */
export class SnapshotReader {
  constructor(
    readonly strategy: string,
    private readonly obj: Record<string, unknown>,
  ) {}

  has(key: string): boolean {
    return this.obj[key] !== undefined && this.obj[key] !== null;
  }

  raw(key: string): unknown {
    return this.obj[key];
  }

  number(key: string): number {
    const v = this.obj[key];
    if (typeof v !== "number" || !Number.isFinite(v))
      throw badState(this.strategy, `"${key}" must be a finite number`);
    return v;
  }

  int(key: string): number {
    const v = this.number(key);
    if (!Number.isInteger(v) || v < 0)
      throw badState(this.strategy, `"${key}" must be a non-negative integer`);
    return v;
  }

  rng(key = "rng"): Rng {
    const v = this.obj[key];
    const s = isRecord(v) ? v.s : undefined;
    if (
      !Array.isArray(s) ||
      s.length !== 4 ||
      !s.every((x) => Number.isInteger(x) && Math.abs(x) < 2 ** 32)
    ) {
      throw badState(this.strategy, `"${key}" must be an Rng state {s: [4 x uint32]}`);
    }
    return Rng.fromState(v as unknown as RngState);
  }

  tokens(key: string, space: SearchSpace, value: unknown = this.obj[key]): number[] {
    try {
      space.validate(value);
    } catch (err) {
      throw badState(this.strategy, `"${key}" holds tokens that do not fit ${space.name}`, {
        cause: err instanceof Error ? err.message : String(err),
      });
    }
    return [...(value as number[])];
  }

  /** {tokens, reward} or null. */
  scored(key: string, space: SearchSpace, value: unknown = this.obj[key]): Scored | null {
    if (value === null || value === undefined) return null;
    if (!isRecord(value)) throw badState(this.strategy, `"${key}" must be {tokens, reward} or null`);
    const reward = value.reward;
    if (typeof reward !== "number" || Number.isNaN(reward)) {
      throw badState(this.strategy, `"${key}.reward" must be a number`);
    }
    return { tokens: this.tokens(`${key}.tokens`, space, value.tokens), reward };
  }

  array(key: string): unknown[] {
    const v = this.obj[key];
    if (!Array.isArray(v)) throw badState(this.strategy, `"${key}" must be a list`);
    return v;
  }

  record(key: string): Record<string, unknown> {
    const v = this.obj[key];
    if (!isRecord(v)) throw badState(this.strategy, `"${key}" must be an object`);
    return v;
  }
}

/** Tokens with the reward they earned. */
export interface Scored {
  readonly tokens: number[];
  readonly reward: number;
}

/**
 * Opens a snapshot: it must be an object naming this strategy, this version and this space.
 * Returns a reader over it.
 */
export function openSnapshot(
  json: unknown,
  name: string,
  version: number,
  space: SearchSpace,
): SnapshotReader {
  if (!isRecord(json)) throw badState(name, "the snapshot is not an object");
  if (json.name !== name)
    throw badState(name, `the snapshot belongs to strategy ${JSON.stringify(json.name)}`);
  if (json.v !== version)
    throw badState(name, `snapshot version ${JSON.stringify(json.v)}, expected ${version}`);
  if (json.space !== space.name) {
    throw badState(name, `the snapshot was taken on space ${JSON.stringify(json.space)}, not ${space.name}`);
  }
  return new SnapshotReader(name, json);
}

/**
 * Writes a snapshot that openSnapshot reads back: the header it checks (name, version, space),
 * the options and the Rng state, then the strategy's own fields, in that key order.
 */
export function writeSnapshot(
  name: string,
  version: number,
  space: SearchSpace,
  options: unknown,
  rng: Rng,
  fields: Record<string, unknown> = {},
): Record<string, unknown> {
  return { name, v: version, space: space.name, options, rng: rng.state(), ...fields };
}
