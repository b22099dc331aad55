/**
 * @segnas/core — the pure heart of segnas: search spaces, the analytic cost model, search
 * strategies behind one ask/tell interface, study state, the seeded Rng and the error
 * catalogue. No I/O, no tfjs, no clocks: everything here is deterministic and testable.
 */
export * from "./errors";
export * from "./error-classes";
export * from "./error-codes";
export * from "./rng";
export * from "./search-space";
export * from "./spaces/mobilenetv2-seg";
export { validateTokens } from "./spaces/validate-tokens";
/** NasBench201: the NAS-Bench-201 cell space (6 edges x 5 ops) and its cell-string parser/printer. */
export * from "./spaces/nb201";
/** The space registry: getSpace(name), spaceNames(), UnknownSpaceError. */
export * from "./spaces/registry";
/** The analytic cost model (params, BN stats, PaddleSlim FLOPs, per-conv layer recipe) and heads. */
export * from "./cost/cost-model";
/** Strategies (sa, sa-paddleslim, random, evolution) behind ask/tell; createStrategy / restoreStrategy. */
export * from "./strategies";
/** In-memory simulation against benchmark tables: simulate(), parseBenchmarkTable(), runTableBenchmark(). */
export * from "./simulate";
export * from "./metrics";
export * from "./study";
