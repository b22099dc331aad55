/**
 * The declarative interface every search space implements. A space is a fixed-length vector
 * of integer tokens, token i in [0, rangeTable[i]). Everything else (what a token means, how
 * an architecture looks) is the space's business; strategies only see tokens.
 */
import type { Rng } from "./rng";

export type Tokens = readonly number[];

export interface SearchSpace<A = unknown> {
  /** Name used in configs (`SLIM.NAS_SPACE_NAME`) and on the wire. */
  readonly name: string;
  /** Exclusive upper bound of each token (lower bounds are 0). */
  readonly rangeTable: readonly number[];
  /** A human name for each position, used in error messages. */
  readonly tokenNames: readonly string[];
  /** Where a search starts unless told otherwise. */
  readonly initTokens: Tokens;
  /** Throws InvalidTokensError naming the position, value and allowed range. */
  validate(tokens: unknown): asserts tokens is Tokens;
  /** Tokens -> plain JSON architecture (crosses the wire and sits in the journal as is). */
  decode(tokens: Tokens): A;
  /** Architecture -> tokens; inverse of decode where the architecture came from decode. */
  encode(arch: A): number[];
  /** Uniform random tokens. */
  sample(rng: Rng): number[];
  /** A short one-line description of tokens for logs and tables. */
  format(tokens: Tokens): string;
}

/** Canonical key of a token vector, for seen-sets and maps. */
export function tokensKey(tokens: Tokens): string {
  return tokens.join(",");
}

/** Number of architectures in a space (as a float: it may exceed 2^53). */
export function spaceSize(space: Pick<SearchSpace, "rangeTable">): number {
  return space.rangeTable.reduce((a, b) => a * b, 1);
}

/** Parses "4,4,5,..." (brackets and spaces tolerated) into integers; validation is the space's. */
export function parseTokenList(text: string): number[] {
  const parts = text
    .trim()
    .replace(/^[[(]|[\])]$/g, "")
    .split(/[\s,]+/)
    .filter((p) => p !== "");
  return parts.map((p) => (/^-?\d+$/.test(p) ? Number(p) : Number.NaN));
}
