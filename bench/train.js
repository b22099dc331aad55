#!/usr/bin/env node
// Training and inference throughput of the stock (init-token) network, DeepLab plain head,
// 96x128 input (H x W), batch 8, 11 classes: one SGD-momentum step = forward, masked softmax
// cross-entropy (ignore 255), backward, update. Runs the selected backend (default wasm), the cpu
// backend (fewer steps) and, for the ratio, the PyTorch reference (one thread) before and after
// the tfjs runs, since this VM's speed drifts. Target: wasm >= 0.3x PyTorch train throughput.
//
//   npm run bench:train [-- --backend wasm|webgpu|tensorflow|tensorflow-gpu|auto] [--rounds 5]
//       [--steps 6] [--warmup 2] [--cpu-steps 1] [--no-torch] [--json] [--head plain] [--batch 8]
//
// The VM's speed drifts (other processes share its 2 cores), so the PyTorch reference runs once
// per round, right before that round's tfjs steps, and the reported ratio is the median of the
// per-round ratios. Throughputs are medians of the timed steps; "best" is the fastest step.
// docs/training-performance.md records what was tried. On webgpu the table adds GPU memory:
// tfjs's numBytes (live tensors) and the backend's GPU buffer bytes (in use / allocated, its
// buffer pool included); SEGNAS_GPU_INDEX and SEGNAS_WEBGPU_FLAGS reach the backend.
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
  steps: Number(arg("steps", 6)),
  rounds: Math.max(1, Number(arg("rounds", 5))),
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
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mib = (bytes) => bytes / (1 << 20);

function gpuBytes() {
  const m = tf.memory();
  return m.numBytesInGPU === undefined
    ? undefined
    : { tensors: m.numBytes, inUse: m.numBytesInGPU, allocated: m.numBytesAllocatedInGPU };
}

function wasmHeapBytes() {
  const b = tf.backend();
  return b && b.wasm && b.wasm.HEAPU8 ? b.wasm.HEAPU8.buffer.byteLength : undefined;
}

/** A warmed-up model + batch on one backend; measure() times train steps and predicts. */
async function openSession(backend, warmup) {
  const env = {};
  for (const k of ["SEGNAS_GPU_INDEX", "SEGNAS_WEBGPU_FLAGS"]) if (process.env[k]) env[k] = process.env[k];
  const sel = await trainer.selectBackend(backend, undefined, { env });
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
  let peakGpu;
  const sample = () => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const g = gpuBytes();
    if (g && (!peakGpu || g.allocated > peakGpu.allocated)) peakGpu = g;
  };
  const trainOnce = async () => {
    const t0 = performance.now();
    const loss = await step.step(x, labels);
    const ms = performance.now() - t0;
    sample();
    if (!Number.isFinite(loss)) throw new Error(`${backend}: training loss is not finite (${loss})`);
    return ms;
  };
  const inferOnce = async () => {
    const t0 = performance.now();
    const y = model.predict(x);
    await y.data();
    y.dispose();
    sample();
    return performance.now() - t0;
  };
  const firstStepMs = await trainOnce();
  for (let i = 1; i < warmup; i++) await trainOnce();
  for (let i = 0; i < warmup; i++) await inferOnce();
  return {
    sel,
    firstStepMs,
    async measure(steps) {
      const train = [];
      const infer = [];
      for (let i = 0; i < steps; i++) train.push(await trainOnce());
      for (let i = 0; i < steps; i++) infer.push(await inferOnce());
      return { train, infer };
    },
    peak: () => ({
      peakRssMiB: mib(peakRss),
      wasmHeapMiB: wasmHeapBytes() === undefined ? undefined : mib(wasmHeapBytes()),
      gpuTensorMiB: peakGpu ? mib(peakGpu.tensors) : undefined,
      gpuInUseMiB: peakGpu ? mib(peakGpu.inUse) : undefined,
      gpuAllocatedMiB: peakGpu ? mib(peakGpu.allocated) : undefined,
      adapter: sel.details.adapter,
    }),
    close() {
      step.dispose();
      model.dispose();
      tf.dispose([x, labels]);
    },
  };
}

function summarize(session, train, infer) {
  return {
    backend: session.sel.backend,
    formulation: session.sel.formulation,
    steps: train.length,
    firstStepMs: session.firstStepMs,
    trainMsPerStep: median(train),
    trainBestMs: Math.min(...train),
    trainImgPerS: (cfg.batch * 1000) / median(train),
    inferMsPerStep: median(infer),
    inferImgPerS: (cfg.batch * 1000) / median(infer),
    ...session.peak(),
  };
}

function runTorch() {
  // --torch-script / --python / --torch-device: the GPU check (bench/gpu/) runs its cuda-capable copy.
  const script = arg(
    "torch-script",
    path.resolve(__dirname, "..", "..", "shared", "reference", "torch_segnet.py"),
  );
  const python = arg("python", "/usr/bin/python3");
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
  if (arg("torch-device", "cpu") !== "cpu") args.push("--device", arg("torch-device", "cpu"));
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
  const out = { config: cfg, node: process.version, rounds: [], runs: [] };
  const log = (s) => {
    if (!cfg.json) process.stdout.write(`${s}\n`);
  };
  log(
    `bench:train  init tokens, head ${cfg.head}, ${cfg.height}x${cfg.width} (HxW), batch ${cfg.batch}, ${cfg.classes} classes`,
  );
  log(
    `  ${cfg.rounds} round(s) of [PyTorch reference, ${cfg.steps} ${cfg.backend} train steps + ${cfg.steps} predicts]; ratios per round`,
  );
  const session = await openSession(cfg.backend, cfg.warmup);
  const train = [];
  const infer = [];
  for (let r = 0; r < cfg.rounds; r++) {
    const torch = cfg.torch ? runTorch() : { skipped: "--no-torch" };
    const m = await session.measure(cfg.steps);
    train.push(...m.train);
    infer.push(...m.infer);
    const round = { torch, wasm: summarize(session, m.train, m.infer) };
    if (!torch.skipped) {
      round.trainRatio = round.wasm.trainImgPerS / torch.trainImgPerS;
      round.inferRatio = round.wasm.inferImgPerS / torch.inferImgPerS;
    }
    out.rounds.push(round);
    log(
      `  round ${r + 1}: ${cfg.backend} train ${fmt(round.wasm.trainImgPerS)} img/s (best step ${fmt(round.wasm.trainBestMs, 0)} ms), ` +
        `infer ${fmt(round.wasm.inferImgPerS)} img/s` +
        (torch.skipped
          ? `; PyTorch skipped (${torch.skipped})`
          : `; PyTorch train ${fmt(torch.trainImgPerS)}, infer ${fmt(torch.inferImgPerS)} img/s -> ${fmt(round.trainRatio)}x / ${fmt(round.inferRatio)}x`),
    );
  }
  const main = summarize(session, train, infer);
  session.close();
  out.runs.push(main);
  if (cfg.cpuSteps > 0 && main.backend !== "cpu") {
    log(`  cpu backend: ${cfg.cpuSteps} step(s) after one untimed step (slow)...`);
    const cpu = await openSession("cpu", 1);
    const m = await cpu.measure(cfg.cpuSteps);
    out.runs.push(summarize(cpu, m.train, m.infer));
    cpu.close();
  }
  const ratios = out.rounds.filter((r) => r.trainRatio !== undefined);
  const torchTrain = ratios.length ? median(ratios.map((r) => r.torch.trainImgPerS)) : undefined;
  const torchInfer = ratios.length ? median(ratios.map((r) => r.torch.inferImgPerS)) : undefined;
  const trainRatio = ratios.length ? median(ratios.map((r) => r.trainRatio)) : undefined;
  const inferRatio = ratios.length ? median(ratios.map((r) => r.inferRatio)) : undefined;
  out.torch = { trainImgPerS: torchTrain, inferImgPerS: torchInfer, trainRatio, inferRatio };

  log("");
  log(
    "  backend           train img/s  ms/step (best)  first step ms  infer img/s  peak RSS MiB  wasm heap MiB  GPU MiB  train vs torch  infer vs torch",
  );
  for (const r of out.runs) {
    r.trainVsTorch = torchTrain ? r.trainImgPerS / torchTrain : undefined;
    r.inferVsTorch = torchInfer ? r.inferImgPerS / torchInfer : undefined;
    log(
      `  ${`${r.backend} (${r.formulation})`.padEnd(18)}${fmt(r.trainImgPerS).padStart(11)}  ${`${fmt(r.trainMsPerStep, 0)} (${fmt(r.trainBestMs, 0)})`.padStart(14)}` +
        `${fmt(r.firstStepMs, 0).padStart(15)}${fmt(r.inferImgPerS).padStart(13)}${fmt(r.peakRssMiB, 0).padStart(14)}${fmt(r.wasmHeapMiB, 0).padStart(15)}${fmt(r.gpuAllocatedMiB, 0).padStart(9)}` +
        `${(r.trainVsTorch ? `${fmt(r.trainVsTorch)}x` : "-").padStart(16)}${(r.inferVsTorch ? `${fmt(r.inferVsTorch)}x` : "-").padStart(16)}`,
    );
  }
  if (torchTrain)
    log(
      `  ${"pytorch (1 thr)".padEnd(18)}${fmt(torchTrain).padStart(11)}${"".padStart(31)}${fmt(torchInfer).padStart(13)}`,
    );
  for (const r of out.runs) {
    if (r.gpuAllocatedMiB === undefined) continue;
    log(
      `  ${r.backend} GPU memory (peak over the run, adapter '${r.adapter}'): tensors ${fmt(r.gpuTensorMiB, 0)} MiB, ` +
        `GPU buffers in use ${fmt(r.gpuInUseMiB, 0)} MiB, allocated ${fmt(r.gpuAllocatedMiB, 0)} MiB`,
    );
  }
  if (trainRatio !== undefined) {
    log(
      `\n  ${main.backend} vs PyTorch, median of per-round ratios: train ${fmt(trainRatio)}x, infer ${fmt(inferRatio)}x ` +
        `(target train >= 0.30x: ${trainRatio >= 0.3 ? "met" : "not met"})`,
    );
  }
  if (cfg.json) process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench:train failed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
