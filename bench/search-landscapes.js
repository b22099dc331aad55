#!/usr/bin/env node
// Do the search strategies generalise beyond the NAS-Bench-201 columns they are benchmarked on?
// Runs every strategy on landscapes none of them was tuned on and prints mean regret (in the
// landscape's own units) with 95% intervals:
//   - nk-nb201 / nk-mbv2: random rugged landscapes (additive terms + neighbour interactions) on
//     the NB201 space (6 x 5) and on MobileNetV2SpaceSeg (25 tokens, ~2e17 architectures);
//   - nb201-noisy: cifar10-val with N(0, 0.5 pp) evaluation noise (regret on the true values);
//   - nb201-cost: cifar10-val minus 1 pp per 3x3 convolution (an accuracy/cost trade-off, so the
//     optimum is somewhere else);
//   - nb201-val-8w: cifar10-val with 8 asynchronous workers (random finishing order).
//
//   npm run build && node bench/search-landscapes.js [--seeds 100] [--budget 100] [TABLE.csv]
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const core = require(path.join(root, "packages/core/dist"));

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

/** Optimum of a ring landscape (nkWithTerms) by dynamic programming over the cycle. */
function nkOptimum(space, f) {
  // Brute force is impossible for 25 tokens, but each term couples positions i and i+1 only:
  // fix t0, then chain.
  const r = space.rangeTable;
  const d = r.length;
  const term = f.term;
  let best = -Infinity;
  for (let t0 = 0; t0 < r[0]; t0++) {
    let score = Array.from({ length: r[0] }, (_, v) => (v === t0 ? 0 : -Infinity));
    for (let i = 0; i < d - 1; i++) {
      const next = Array.from({ length: r[i + 1] }, () => -Infinity);
      for (let a = 0; a < r[i]; a++) {
        if (score[a] === -Infinity) continue;
        for (let b = 0; b < r[i + 1]; b++) next[b] = Math.max(next[b], score[a] + term(i, a, b));
      }
      score = next;
    }
    for (let a = 0; a < r[d - 1]; a++) best = Math.max(best, score[a] + term(d - 1, a, t0));
  }
  return best;
}

/** Random rugged landscape: per-position values plus neighbour interactions (as in the unit tests). */
function nkWithTerms(space, seed) {
  const rng = core.Rng.fromSeed(seed);
  const r = space.rangeTable;
  const d = r.length;
  const unary = r.map((n) => Array.from({ length: n }, () => rng.next()));
  const pair = r.map((n, i) => Array.from({ length: n * r[(i + 1) % d] }, () => rng.next() - 0.5));
  const term = (i, a, b) => (100 * (unary[i][a] + pair[i][a * r[(i + 1) % d] + b])) / d;
  const f = (t) => {
    let s = 0;
    for (let i = 0; i < d; i++) s += term(i, t[i], t[(i + 1) % d]);
    return s;
  };
  f.term = term;
  return f;
}

function runLandscape(name, space, values, optimum, strategies, seeds, budget, opts = {}) {
  const rows = [];
  for (const strategy of strategies) {
    const regrets = [];
    const t0 = Date.now();
    for (let seed = 0; seed < seeds; seed++) {
      const truth = opts.truthFor ? opts.truthFor(seed) : values;
      const noisy = opts.noisyFor ? opts.noisyFor(seed) : truth;
      const options = { seed, ...(strategy === "sa-paddleslim" ? { initTokens: "random" } : {}) };
      const run = core.simulate({
        space,
        strategy: core.createStrategy(strategy, space, options),
        reward: (t) => noisy(t) / 100,
        budget,
        workers: opts.workers ?? 1,
        orderSeed: seed,
      });
      // Regret of the architecture the search believes best, on the true values.
      const picked = run.best ? truth(run.best.tokens) : -Infinity;
      regrets.push((opts.optimumFor ? opts.optimumFor(seed) : optimum) - picked);
    }
    const s = core.meanInterval(regrets);
    rows.push([
      strategy,
      `${s.mean.toFixed(3)} [${s.low.toFixed(2)}, ${s.high.toFixed(2)}]`,
      `${((Date.now() - t0) / 1000).toFixed(1)} s`,
    ]);
  }
  console.log(`\n${name}`);
  for (const r of rows) console.log(`  ${r[0].padEnd(14)} ${r[1].padEnd(24)} ${r[2]}`);
}

function main() {
  const seeds = Number(arg("seeds", 100));
  const budget = Number(arg("budget", 100));
  const strategies = core.strategyNames();
  const plain = process.argv
    .slice(2)
    .filter((a, i, all) => !a.startsWith("--") && !(all[i - 1] ?? "").startsWith("--"));
  const file =
    plain[0] ||
    process.env.SEGNAS_NB201_TABLE ||
    path.resolve(root, "../shared/benchmarks/nb201-mini/nb201_cifar10_12ep.csv");
  console.log(
    `search strategies on landscapes they were not tuned on: ${seeds} seeds, budget ${budget}; mean regret [95% CI], landscape units`,
  );

  const nb201 = core.getSpace("NasBench201");
  const mbv2 = core.getSpace("MobileNetV2SpaceSeg");
  // A different random landscape per seed; optimum exact (ring DP).
  for (const [name, space] of [
    ["nk-nb201 (6 tokens x 5)", nb201],
    ["nk-mbv2 (25 tokens, ~2e17)", mbv2],
  ]) {
    const land = (seed) => nkWithTerms(space, 1000 + seed);
    const optima = new Map();
    const opt = (seed) => {
      if (!optima.has(seed)) optima.set(seed, nkOptimum(space, land(seed)));
      return optima.get(seed);
    };
    const cache = new Map();
    const truthFor = (seed) => {
      if (!cache.has(seed)) cache.set(seed, land(seed));
      return cache.get(seed);
    };
    runLandscape(name, space, null, 0, strategies, seeds, budget, { truthFor, optimumFor: opt });
  }

  if (!fs.existsSync(file)) {
    console.log(`\n(NAS-Bench-201 landscapes skipped: no table at ${file})`);
    return;
  }
  const table = core.parseBenchmarkTable(fs.readFileSync(file, "utf8"), { source: file });
  const val = (t) => table.lookup(t, "cifar10-val");
  const valOpt = table.optimum("cifar10-val").value;
  runLandscape(
    "nb201-noisy: cifar10-val + N(0, 0.5 pp) noise",
    nb201,
    val,
    valOpt,
    strategies,
    seeds,
    budget,
    {
      noisyFor: (seed) => {
        const rng = core.Rng.fromSeed(7919 * seed + 1);
        return (t) => val(t) + 0.5 * rng.normal();
      },
    },
  );
  const cost = (t) => val(t) - t.filter((x) => x === 3).length;
  let costOpt = -Infinity;
  for (const t of table.rows) costOpt = Math.max(costOpt, cost(t));
  runLandscape(
    "nb201-cost: cifar10-val - 1 pp per 3x3 conv",
    nb201,
    cost,
    costOpt,
    strategies,
    seeds,
    budget,
  );
  runLandscape(
    "nb201-val-8w: cifar10-val, 8 asynchronous workers",
    nb201,
    val,
    valOpt,
    strategies,
    seeds,
    budget,
    {
      workers: 8,
    },
  );
}

main();
