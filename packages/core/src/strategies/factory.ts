/**
 * Strategies by name: `createStrategy` for a new search, `restoreStrategy` for a snapshot taken
 * with `toJSON()` (the snapshot names its strategy).
 */
import { SegnasError } from "../errors";
import type { SearchSpace } from "../search-space";
import { RegularizedEvolution, type EvolutionOptions } from "./evolution";
import { PaddleSlimSa, type PaddleSlimSaOptions } from "./paddleslim-sa";
import { RandomSearch, type RandomOptions } from "./random";
import { SurrogateSa, type SaOptions } from "./sa";
import { isRecord } from "./state-json";
import type { Strategy } from "./strategy";

/** No strategy of that name; `known` lists the names that exist. */
import { UnknownStrategyError } from "../error-classes";

/** Options of every strategy, by name; `seed` is always required. */
export interface StrategyOptionsByName {
  sa: SaOptions;
  "sa-paddleslim": PaddleSlimSaOptions;
  random: RandomOptions;
  evolution: EvolutionOptions;
}

export type StrategyName = keyof StrategyOptionsByName;

/** Any strategy's options (each strategy reads the ones it knows). */
export type StrategyOptions = { readonly seed: number } & Partial<
  Omit<SaOptions & PaddleSlimSaOptions & RandomOptions & EvolutionOptions, "seed">
>;

const FACTORIES: {
  [K in StrategyName]: {
    readonly describe: string;
    create(space: SearchSpace, options: StrategyOptionsByName[K]): Strategy;
    restore(space: SearchSpace, json: unknown): Strategy;
  };
} = {
  sa: {
    describe: "simulated annealing with surrogate-ordered one-token moves and restarts (default)",
    create: (space, o) => SurrogateSa.create(space, o),
    restore: (space, json) => SurrogateSa.restore(space, json),
  },
  "sa-paddleslim": {
    describe: "PaddleSlim SANAS rules (SPEC §3), seeded and crash-free",
    create: (space, o) => PaddleSlimSa.create(space, o),
    restore: (space, json) => PaddleSlimSa.restore(space, json),
  },
  random: {
    describe: "uniform random search without repeats",
    create: (space, o) => RandomSearch.create(space, o),
    restore: (space, json) => RandomSearch.restore(space, json),
  },
  evolution: {
    describe: "regularized (aging) evolution, Real et al. 2019",
    create: (space, o) => RegularizedEvolution.create(space, o),
    restore: (space, json) => RegularizedEvolution.restore(space, json),
  },
};

/** The names createStrategy accepts, the default first. */
export function strategyNames(): StrategyName[] {
  return Object.keys(FACTORIES) as StrategyName[];
}

export function isStrategyName(name: unknown): name is StrategyName {
  return typeof name === "string" && Object.prototype.hasOwnProperty.call(FACTORIES, name);
}

/** One line per strategy: what it does. */
export function describeStrategy(name: StrategyName): string {
  return FACTORIES[name].describe;
}

function unknown(name: unknown): UnknownStrategyError {
  const known = strategyNames();
  return new UnknownStrategyError(
    `unknown strategy ${JSON.stringify(name)}; known strategies: ${known.join(", ")}`,
    { name, known },
  );
}

/** A new strategy; throws UnknownStrategyError or BadArgument (a bad option value). */
export function createStrategy(name: string, space: SearchSpace, options: StrategyOptions): Strategy {
  if (!isStrategyName(name)) throw unknown(name);
  const factory = FACTORIES[name] as { create(space: SearchSpace, options: StrategyOptions): Strategy };
  return factory.create(space, options);
}

/** The strategy a `toJSON()` snapshot describes; throws BadStateError if it cannot be used. */
export function restoreStrategy(space: SearchSpace, json: unknown): Strategy {
  const name = isRecord(json) ? json.name : undefined;
  if (!isStrategyName(name)) {
    throw new SegnasError(
      "SEGNAS_E_BAD_STATE",
      `cannot restore a strategy from this snapshot: it names ${JSON.stringify(name)}, known strategies: ${strategyNames().join(", ")}`,
      { name },
    );
  }
  try {
    return FACTORIES[name].restore(space, json);
  } catch (err) {
    if (err instanceof SegnasError && err.code === "SEGNAS_E_BAD_ARGUMENT") {
      throw new SegnasError(
        "SEGNAS_E_BAD_STATE",
        `cannot restore strategy ${name}: ${err.message}`,
        err.data,
        {
          cause: err,
        },
      );
    }
    throw err;
  }
}
