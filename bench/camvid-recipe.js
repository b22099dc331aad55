#!/usr/bin/env node
// The real-data recipe: train one architecture on camvid-mini (configs/camvid-mini.yaml) the
// way a search trial does (child process, fresh seeded weights, val mIoU after every epoch) and
// print its reward next to the majority-class baseline (always predict the most frequent training
// class, scored with the same confusion matrix). docs/training.md records the measured numbers.
//
//   node bench/camvid-recipe.js                       # the recipe (tokens below + the config file)
//   node bench/camvid-recipe.js --tokens init SOLVER.NUM_EPOCHS 3 --backend wasm --json
//
// Needs `npx tsc -b` first and ../shared/datasets/camvid-mini. Minutes of CPU: run it with `nice`
// on a shared machine. Exit status 1 when the reward does not reach 2x the baseline.
"use strict";
const path = require("path");
const { loadConfig, checkSupported } = require("../packages/config/dist");
const { MobileNetV2SpaceSeg } = require("../packages/core/dist");
const trainer = require("../packages/trainer/dist");

/** The recipe's architecture (docs/training.md; also named at the top of the config file). */
const RECIPE_TOKENS = "3,2,3,0,0,2,3,1,0,2,3,1,0,2,3,1,0,2,4,1,0,2,5,0,0";
const CONFIG = path.resolve(__dirname, "..", "configs", "camvid-mini.yaml");

function parseArgs(argv) {
  const o = {
    tokens: RECIPE_TOKENS,
    backend: undefined,
    json: false,
    out: undefined,
    overrides: [],
    logSteps: 0,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--tokens") o.tokens = argv[++i];
    else if (a === "--backend") o.backend = argv[++i];
    else if (a === "--out") o.out = argv[++i];
    else if (a === "--log_steps") o.logSteps = Number(argv[++i]);
    else if (a === "--json") o.json = true;
    else o.overrides.push(a);
  }
  return o;
}

function tokensOf(text) {
  const space = new MobileNetV2SpaceSeg();
  if (text === "init") return [...space.initTokens];
  if (text === "min") return space.rangeTable.map(() => 0);
  const t = text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number);
  space.validate(t);
  return t;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const cwd = path.resolve(__dirname, "..");
  process.chdir(cwd); // the config's paths are relative to the repository root
  const loaded = loadConfig({ file: CONFIG, overrides: o.overrides });
  checkSupported(loaded);
  const cfg = loaded.config;
  const tokens = tokensOf(o.tokens);
  const say = (s) => !o.json && process.stdout.write(s + "\n");

  const baseline = await trainer.majorityClassBaseline(cfg);
  say(
    `majority-class baseline: class ${baseline.classId} (${(baseline.trainShare * 100).toFixed(1)}% of train pixels) -> val mIoU ${baseline.miou.toFixed(4)}, pixel acc ${baseline.pixelAccuracy.toFixed(3)}`,
  );
  const [w, h] = cfg.TRAIN_CROP_SIZE;
  say(
    `recipe: tokens ${tokens.join(",")}, ${cfg.SOLVER.NUM_EPOCHS} epochs, crop ${w}x${h}, batch ${cfg.BATCH_SIZE}, ` +
      `${cfg.SOLVER.OPTIMIZER} LR ${cfg.SOLVER.LR} (${cfg.SOLVER.LR_POLICY}), weight decay ${cfg.SOLVER.WEIGHT_DECAY}`,
  );
  let started = null;
  const t0 = Date.now();
  const outcome = await trainer.runTrial({
    tokens,
    config: cfg,
    trialDir: o.out ? path.resolve(o.out) : null,
    backend: o.backend,
    logSteps: o.logSteps,
    onStarted: (i) => {
      started = i;
      say(`backend ${i.backend}, ${i.params} params, ${(i.flops / 1e6).toFixed(1)} MFLOPs/image`);
    },
    onEpoch: (e) =>
      say(
        `epoch ${String(e.epoch).padStart(2)}  loss ${e.loss.toFixed(4)}  val mIoU ${e.miou === null ? "-" : e.miou.toFixed(4)}  ` +
          `${e.record.imagesPerSecond.toFixed(2)} train img/s  (${e.record.trainSeconds.toFixed(0)} s train + ${e.record.evalSeconds.toFixed(0)} s eval, ${((Date.now() - t0) / 1000).toFixed(0)} s so far)`,
      ),
  });
  const seconds = (Date.now() - t0) / 1000;
  if (outcome.status === "failed") {
    process.stderr.write(`error [${outcome.code}]: ${outcome.reason}\n`);
    process.exit(1);
  }
  const trainImages = outcome.curve.reduce((a, r) => a + r.steps * cfg.BATCH_SIZE, 0);
  const trainSeconds = outcome.curve.reduce((a, r) => a + r.trainSeconds, 0);
  const result = {
    tokens,
    backend: outcome.backend,
    params: started && started.params,
    flops: started && started.flops,
    epochs: outcome.curve.length,
    reward: outcome.reward,
    baselineMiou: baseline.miou,
    ratio: outcome.reward / baseline.miou,
    curve: outcome.curve.map((r) => r.miou),
    seconds,
    trainImagesPerSecond: trainImages / trainSeconds,
  };
  if (o.json) process.stdout.write(JSON.stringify(result) + "\n");
  else {
    say(
      `reward (best val mIoU) ${result.reward.toFixed(4)} vs majority baseline ${baseline.miou.toFixed(4)}: ` +
        `${result.ratio.toFixed(1)}x, in ${(seconds / 60).toFixed(1)} min (${result.trainImagesPerSecond.toFixed(2)} train img/s)`,
    );
  }
  process.exitCode = result.reward >= 2 * baseline.miou ? 0 : 1;
}

main().catch((e) => {
  process.stderr.write(`${e && e.code ? `error [${e.code}]: ` : ""}${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
