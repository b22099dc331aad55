/**
 * Reads PaddleSlim's SANAS checkpoint (`nas_checkpoint/sanas.checkpoints`: the JSON dump of the
 * SAController's fields) into results segnas can import. Known fields, across PaddleSlim 1.x:
 *   _range_table      [highs] (1.0) or [[lows], [highs]] (1.1+): checked against the space
 *   _searched         {"[t0, t1, ...]": reward} every evaluated architecture (1.1+)
 *   _current_tokens   the accepted tokens (older dumps: _tokens), with _reward
 *   _best_tokens      the best tokens, with _max_reward
 *   _iter             rewards received so far (reported, not used: segnas counts its own steps)
 * Other fields (_reduce_rate, _init_temperature, _max_try_times, _current_temperature, ...) are
 * listed as ignored. A reward of -1 is PaddleSlim's "none yet" and is skipped.
 */
import { SegnasError } from "../errors";
import type { SearchSpace } from "../search-space";
import { parseTokenList, tokensKey } from "../search-space";

export interface ImportedResult {
  readonly tokens: number[];
  readonly reward: number;
  /** Which checkpoint field it came from. */
  readonly from: "_searched" | "_best_tokens" | "_current_tokens" | "_tokens";
}

export interface PaddleSlimCheckpoint {
  /** Results in the order to tell them: searched ones, then the best, then the current last. */
  readonly results: ImportedResult[];
  readonly iter: number | null;
  readonly ignored: string[];
}

const USED = new Set([
  "_range_table",
  "_searched",
  "_current_tokens",
  "_tokens",
  "_reward",
  "_best_tokens",
  "_max_reward",
  "_iter",
]);

function bad(message: string): SegnasError {
  return new SegnasError(
    "SEGNAS_E_BAD_STATE",
    `PaddleSlim checkpoint: ${message}. Pass the sanas.checkpoints file written by PaddleSlim's SANAS server.`,
  );
}

function tokenArray(x: unknown, field: string): number[] {
  const list = typeof x === "string" ? parseTokenList(x) : x;
  if (!Array.isArray(list) || !list.every((v) => typeof v === "number" && Number.isInteger(v))) {
    throw bad(`${field} is not a list of integer tokens`);
  }
  return list as number[];
}

export function parsePaddleSlimCheckpoint(json: unknown, space: SearchSpace): PaddleSlimCheckpoint {
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw bad("the file is not a JSON object");
  const o = json as Record<string, unknown>;
  if (o._range_table !== undefined) {
    const rt = o._range_table;
    const highs = Array.isArray(rt) && rt.length === 2 && Array.isArray(rt[1]) ? rt[1] : rt;
    if (!Array.isArray(highs) || highs.join(",") !== space.rangeTable.join(",")) {
      throw bad(
        `its range table ${JSON.stringify(highs)} is not the one of ${space.name} (${space.rangeTable.join(",")}); ` +
          `set SLIM.NAS_SPACE_NAME to the space the checkpoint was searched in`,
      );
    }
  }
  const results: ImportedResult[] = [];
  const seen = new Set<string>();
  const add = (tokens: number[], reward: unknown, from: ImportedResult["from"]): void => {
    if (typeof reward !== "number" || !Number.isFinite(reward) || reward === -1) return;
    space.validate(tokens);
    const key = tokensKey(tokens);
    if (seen.has(key)) return;
    seen.add(key);
    results.push({ tokens, reward, from });
  };
  const searched = o._searched;
  const current = o._current_tokens ?? o._tokens;
  const currentField = o._current_tokens !== undefined ? "_current_tokens" : "_tokens";
  const best = o._best_tokens;
  // The current tokens go last so that a strategy that keeps "the last accepted" ends up there.
  const late = new Set<string>();
  if (Array.isArray(best)) late.add(tokensKey(tokenArray(best, "_best_tokens")));
  if (Array.isArray(current)) late.add(tokensKey(tokenArray(current, currentField)));
  if (searched !== undefined && searched !== null) {
    if (typeof searched !== "object" || Array.isArray(searched)) throw bad("_searched is not an object");
    for (const [key, reward] of Object.entries(searched as Record<string, unknown>)) {
      const tokens = tokenArray(key, "a _searched key");
      if (!late.has(tokensKey(tokens))) add(tokens, reward, "_searched");
    }
  }
  const rewardOf = (tokens: number[], fallback: unknown): unknown => {
    if (searched && typeof searched === "object") {
      for (const [key, r] of Object.entries(searched as Record<string, unknown>)) {
        if (tokensKey(tokenArray(key, "a _searched key")) === tokensKey(tokens)) return r;
      }
    }
    return fallback;
  };
  if (best !== undefined && best !== null) {
    const tokens = tokenArray(best, "_best_tokens");
    add(tokens, o._max_reward ?? rewardOf(tokens, undefined), "_best_tokens");
  }
  if (current !== undefined && current !== null) {
    const tokens = tokenArray(current, currentField);
    add(tokens, o._reward ?? rewardOf(tokens, undefined), currentField as ImportedResult["from"]);
  }
  if (results.length === 0) {
    throw bad(
      "it holds no architecture with a reward (_searched, _best_tokens/_max_reward, _current_tokens/_reward)",
    );
  }
  const iter = typeof o._iter === "number" ? o._iter : null;
  return { results, iter, ignored: Object.keys(o).filter((k) => !USED.has(k)) };
}
