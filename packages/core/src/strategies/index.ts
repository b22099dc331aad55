export * from "./strategy";
export * from "./factory";
export { SurrogateSa, type SaOptions } from "./sa";
export { PaddleSlimSa, type PaddleSlimSaOptions } from "./paddleslim-sa";
export { RandomSearch, type RandomOptions } from "./random";
export { RegularizedEvolution, type EvolutionOptions } from "./evolution";
export { TokenGp, type TokenGpOptions, normalQuantile, normalScores } from "./token-gp";
export { sampleNewFeasible, oneTokenChanges, mutateOneToken, hamming } from "./candidates";
export type { Scored } from "./state-json";
