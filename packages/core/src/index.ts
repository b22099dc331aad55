/**
 * @segnas/core — the pure heart of segnas: search spaces, the analytic cost model, search
 * strategies behind one ask/tell interface, study state, the seeded Rng and the error
 * catalogue. No I/O, no tfjs, no clocks: everything here is deterministic and testable.
 */
export * from "./errors";
export * from "./error-codes";
export * from "./rng";
export * from "./search-space";
export * from "./spaces/mobilenetv2-seg";
export { validateTokens } from "./spaces/validate-tokens";
export * from "./strategies/strategy";
