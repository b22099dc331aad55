/**
 * Test-only helpers for the study (a tiny space and a seeded random strategy). Not exported from
 * the package index; imported by study tests and usable by server/worker tests via relative path.
 */
import { Rng } from "../rng";
import type { SearchSpace, Tokens } from "../search-space";
import { validateTokens } from "../spaces/validate-tokens";
import type { AskResult, Strategy, StudyView, TrialResult } from "../strategies/strategy";

export function tinySpace(rangeTable: number[] = [3, 3, 3]): SearchSpace<{ tokens: number[] }> {
  return {
    name: "Tiny",
    rangeTable,
    tokenNames: rangeTable.map((_, i) => `t${i}`),
    initTokens: rangeTable.map(() => 0),
    validate(tokens: unknown): asserts tokens is Tokens {
      validateTokens("Tiny", rangeTable, this.tokenNames, tokens);
    },
    decode: (tokens) => ({ tokens: [...tokens] }),
    encode: (arch) => [...arch.tokens],
    sample: (rng) => rangeTable.map((n) => rng.int(n)),
    format: (tokens) => tokens.join(","),
  };
}

/** Seeded random search over unseen tokens; records what it was told (to check replay). */
export class RandomTestStrategy implements Strategy {
  readonly name = "random-test";
  private rng: Rng;
  told: number;
  best: number | null;

  constructor(
    seed: number | { rng: { s: [number, number, number, number] }; told: number; best: number | null },
  ) {
    if (typeof seed === "number") {
      this.rng = Rng.fromSeed(seed);
      this.told = 0;
      this.best = null;
    } else {
      this.rng = Rng.fromState(seed.rng);
      this.told = seed.told;
      this.best = seed.best;
    }
  }

  ask(view: StudyView): AskResult {
    for (let i = 0; i < 200; i++) {
      const tokens = view.space.sample(this.rng);
      if (!view.wasProposed(tokens) && view.isFeasible(tokens)) return { kind: "propose", tokens };
    }
    return { kind: "exhausted", reason: "200 samples were all seen" };
  }

  tell(_view: StudyView, result: TrialResult): void {
    this.told++;
    if (result.reward !== null && (this.best === null || result.reward > this.best))
      this.best = result.reward;
  }

  toJSON(): unknown {
    return { rng: this.rng.state(), told: this.told, best: this.best };
  }
}
