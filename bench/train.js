#!/usr/bin/env node
// Training and inference throughput of the stock (init-token) network, DeepLab plain head,
// 96x128 input (H x W), batch 8, 11 classes: one SGD-momentum step = forward, masked softmax
// cross-entropy (ignore 255), backward, update. Runs the selected backend (default wasm), the cpu
// backend (fewer steps) and, for the ratio, the PyTorch reference (one thread) before and after
// the tfjs runs, since this VM's speed drifts. Target: wasm >= 0.3x PyTorch train throughput.
//
//   npm run bench:train [-- --backend wasm|tensorflow|tensorflow-gpu|auto] [--steps 8]
//       [--warmup 2] [--cpu-steps 1] [--no-torch] [--json] [--head plain] [--batch 8]
//
// Numbers are medians of the timed steps; "best" is the fastest step (less disturbed by other
// processes on a shared machine). docs/training-performance.md records what was tried.
"use strict";
const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");
const { performance } = require("perf_hooks");

const trainer = require("../packages/trainer/dist");
const core = require("../packages/core/dist");

const tf = trainer.tf;

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const flag = (name) => process.argv.includes(`--${name}`);

const cfg = {
  backend: arg("backend", "wasm"),
  steps: Number(arg("steps", 8)),
  warmup: Number(arg("warmup", 2)),
  cpuSteps: Number(arg("cpu-steps", 1)),
  height: Number(arg("height", 96)),
  width: Number(arg("width", 128)),
  batch: Number(arg("batch", 8)),
  classes: Number(arg("classes", 11)),
  head: arg("head", "plain"),
  torch: !flag("no-torch"),
  json: flag("json"),
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)];
};
const mib = (bytes) => bytes / (1 << 20);

function wasmHeapBytes() {
  const b = tf.backend();
  return b && b.wasm && b.wasm.HEAPU8 ? b.wasm.HEAPU8.buffer.byteLength : undefined;
}

async function runTfjs(backend, steps, warmup) {
  const sel = await trainer.selectBackend(backend, undefined, { env: {} });
  const space = new core.MobileNetV2SpaceSeg();
  const arch = space.decode([...space.initTokens]);
  const model = trainer.buildModel(arch, { classes: cfg.classes, head: cfg.head, seed: 0 });
  trainer.checkModel(model, arch, {
    classes: cfg.classes,
    head: cfg.head,
    height: cfg.height,
    width: cfg.width,
  });
  const x = tf.randomUniform([cfg.batch, cfg.height, cfg.width, 3], -1, 1, "float32", 1);
  const labels = tf.randomUniform([cfg.batch, cfg.height, cfg.width], 0, cfg.classes, "int32", 2);
  // The reference uses plain SGD momentum (lr 0.01, momentum 0.9, no weight decay).
  const step = trainer.createTrainStep(model, { learningRate: 0.01, momentum: 0.9, weightDecay: 0 });
  let peakRss = process.memoryUsage().rss;
  const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));
  const trainMs = [];
  let firstMs;
  let loss = NaN;
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    loss = step.step(x, labels);
    const ms = performance.now() - t0;
    if (i === 0) firstMs = ms;
    if (i >= warmup) trainMs.push(ms);
    sample();
    if (!Number.isFinite(loss)) throw new Error(`${backend}: training loss is not finite (${loss})`);
  }
  const inferMs = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    const y = model.predict(x);
    y.dataSync();
    y.dispose();
    if (i >= warmup) inferMs.push(performance.now() - t0);
    sample();
  }
  const result = {
    backend: sel.backend,
    formulation: sel.formulation,
    steps,
    warmup,
    firstStepMs: firstMs,
    trainMsPerStep: median(trainMs),
    trainBestMs: Math.min(...trainMs),
    trainImgPerS: (cfg.batch * 1000) / median(trainMs),
    inferMsPerStep: median(inferMs),
    inferImgPerS: (cfg.batch * 1000) / median(inferMs),
    peakRssMiB: mib(peakRss),
    wasmHeapMiB: wasmHeapBytes() === undefined ? undefined : mib(wasmHeapBytes()),
    lastLoss: loss,
  };
  step.dispose();
  model.dispose();
  tf.dispose([x, labels]);
  return result;
}

function runTorch() {
  const script = path.resolve(__dirname, "..", "..", "shared", "reference", "torch_segnet.py");
  const python = "/usr/bin/python3";
  if (!fs.existsSync(script)) return { skipped: `no ${script}` };
  if (!fs.existsSync(python)) return { skipped: `no ${python}` };
  const args = [
    script,
    "--height",
    cfg.height,
    "--width",
    cfg.width,
    "--batch",
    cfg.batch,
    "--classes",
    cfg.classes,
    "--threads",
    "1",
    "--json",
  ];
  if (cfg.head === "aspp" || cfg.head === "aspp-decoder") args.push("--aspp", "1");
  if (cfg.head === "decoder" || cfg.head === "aspp-decoder") args.push("--decoder", "1");
  const r = spawnSync(python, args.map(String), { encoding: "utf8", timeout: 600000 });
  if (r.status !== 0)
    return {
      skipped: `torch_segnet.py failed: ${(r.stderr || r.error || "").toString().trim().split("\n").pop()}`,
    };
  try {
    const j = JSON.parse(r.stdout.trim().split("\n").pop());
    return {
      trainImgPerS: j.train_img_per_s,
      inferImgPerS: j.infer_img_per_s,
      params: j.params,
      torch: j.torch_version,
    };
  } catch (e) {
    return { skipped: `unreadable torch output: ${e.message}` };
  }
}

function fmt(n, d = 2) {
  return n === undefined || Number.isNaN(n) ? "-" : Number(n).toFixed(d);
}

async function main() {
  const out = { config: cfg, node: process.version, runs: [] };
  const log = (s) => {
    if (!cfg.json) process.stdout.write(`${s}\n`);
  };
  log(
    `bench:train  init tokens, head ${cfg.head}, ${cfg.height}x${cfg.width} (HxW), batch ${cfg.batch}, ${cfg.classes} classes`,
  );
  const torch1 = cfg.torch ? runTorch() : { skipped: "--no-torch" };
  if (torch1.skipped) log(`  PyTorch: skipped (${torch1.skipped})`);
  else
    log(
      `  PyTorch (before): train ${fmt(torch1.trainImgPerS)} img/s, infer ${fmt(torch1.inferImgPerS)} img/s`,
    );

  const main = await runTfjs(cfg.backend, cfg.steps, cfg.warmup);
  out.runs.push(main);
  const torch2 = cfg.torch && !torch1.skipped ? runTorch() : torch1;
  if (!torch2.skipped)
    log(
      `  PyTorch (after):  train ${fmt(torch2.trainImgPerS)} img/s, infer ${fmt(torch2.inferImgPerS)} img/s`,
    );
  if (cfg.cpuSteps > 0 && main.backend !== "cpu") {
    log(`  (cpu backend: ${cfg.cpuSteps} step(s), no warm-up; slow)`);
    out.runs.push(await runTfjs("cpu", cfg.cpuSteps, 0));
  }
  const torchTrain = torch1.skipped ? undefined : (torch1.trainImgPerS + torch2.trainImgPerS) / 2;
  const torchInfer = torch1.skipped ? undefined : (torch1.inferImgPerS + torch2.inferImgPerS) / 2;
  out.torch = { before: torch1, after: torch2, trainImgPerS: torchTrain, inferImgPerS: torchInfer };

  log("");
  log(
    "  backend          train img/s  ms/step (best)  first step ms  infer img/s  peak RSS MiB  wasm heap MiB  train vs torch  infer vs torch",
  );
  for (const r of out.runs) {
    r.trainVsTorch = torchTrain ? r.trainImgPerS / torchTrain : undefined;
    r.inferVsTorch = torchInfer ? r.inferImgPerS / torchInfer : undefined;
    log(
      `  ${`${r.backend} (${r.formulation})`.padEnd(17)}${fmt(r.trainImgPerS).padStart(11)}  ${`${fmt(r.trainMsPerStep, 0)} (${fmt(r.trainBestMs, 0)})`.padStart(14)}` +
        `${fmt(r.firstStepMs, 0).padStart(15)}${fmt(r.inferImgPerS).padStart(13)}${fmt(r.peakRssMiB, 0).padStart(14)}${fmt(r.wasmHeapMiB, 0).padStart(15)}` +
        `${(r.trainVsTorch ? `${fmt(r.trainVsTorch)}x` : "-").padStart(16)}${(r.inferVsTorch ? `${fmt(r.inferVsTorch)}x` : "-").padStart(16)}`,
    );
  }
  if (torchTrain)
    log(
      `  ${"pytorch (1 thr)".padEnd(17)}${fmt(torchTrain).padStart(11)}${"".padStart(44)}${fmt(torchInfer).padStart(13)}`,
    );
  if (torchTrain) {
    const w = out.runs[0];
    log(
      `\n  target: ${w.backend} train >= 0.30x PyTorch -> ${fmt(w.trainVsTorch)}x ${w.trainVsTorch >= 0.3 ? "(met)" : "(not met)"}`,
    );
  }
  if (cfg.json) process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench:train failed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
