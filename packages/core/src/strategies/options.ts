/**
 * Checking strategy options: a bad value is a BadArgument error naming the strategy, the option
 * and what is allowed (options come from configs and command lines).
 */
import { SegnasError } from "../errors";

function bad(strategy: string, option: string, value: unknown, allowed: string): SegnasError {
  return new SegnasError(
    "SEGNAS_E_BAD_ARGUMENT",
    `strategy ${strategy}: option ${option} = ${JSON.stringify(value)} is invalid: ${allowed}`,
    { strategy, option, value },
  );
}

export function intOption(
  strategy: string,
  option: string,
  value: unknown,
  fallback: number,
  min: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw bad(strategy, option, value, `use an integer >= ${min}`);
  }
  return value;
}

export function numberOption(
  strategy: string,
  option: string,
  value: unknown,
  fallback: number,
  check: (x: number) => boolean,
  allowed: string,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || !check(value)) {
    throw bad(strategy, option, value, allowed);
  }
  return value;
}

export function seedOption(strategy: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw bad(strategy, "seed", value, "use an integer in 0..4294967295");
  }
  return value;
}

export function badOption(strategy: string, option: string, value: unknown, allowed: string): SegnasError {
  return bad(strategy, option, value, allowed);
}
