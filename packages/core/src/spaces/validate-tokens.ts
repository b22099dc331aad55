import { InvalidTokensError } from "../error-classes";
import type { Tokens } from "../search-space";

/** Shared token validation: length, integer-ness and range, each error naming the position. */
export function validateTokens(
  space: string,
  rangeTable: readonly number[],
  tokenNames: readonly string[],
  tokens: unknown,
): asserts tokens is Tokens {
  if (!Array.isArray(tokens)) {
    throw new InvalidTokensError(
      `${space}: tokens must be a list of ${rangeTable.length} integers, got ${typeof tokens}`,
      { space, expectedLength: rangeTable.length },
    );
  }
  if (tokens.length !== rangeTable.length) {
    throw new InvalidTokensError(`${space}: expected ${rangeTable.length} tokens, got ${tokens.length}`, {
      space,
      expectedLength: rangeTable.length,
      actualLength: tokens.length,
    });
  }
  for (let position = 0; position < tokens.length; position++) {
    const value: unknown = tokens[position];
    const high = rangeTable[position] as number;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value >= high) {
      const name = tokenNames[position];
      throw new InvalidTokensError(
        `${space}: token ${position} (${name}) = ${JSON.stringify(value)} is out of range: allowed integers 0..${high - 1}`,
        { space, position, name, value, low: 0, high },
      );
    }
  }
}
