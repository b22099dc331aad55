#!/usr/bin/env node
// The GPU check's report (bench/gpu/run.sh): reads the steps' outputs in OUTDIR and writes
// results.json there; prints the text report (run.sh saves it as results.txt).
//
//   node summarize.js OUTDIR MANIFEST.json BACKEND TORCH_DEVICE SMOKE
"use strict";
const fs = require("fs");
const path = require("path");

const [outDir, manifestFile, backend, torchDevice, smoke] = process.argv.slice(2);

function readJson(name) {
  const file = path.join(outDir, name);
  try {
    const text = fs.readFileSync(file, "utf8").trim();
    if (!text) return { missing: `${name} is empty (see ${name}.err)` };
    try {
      return JSON.parse(text);
    } catch {
      // The last line holds the JSON (tools may print before it).
      return JSON.parse(text.split("\n").pop());
    }
  } catch (err) {
    return { missing: `${name}: ${err.code === "ENOENT" ? "not written" : err.message}` };
  }
}
const errTail = (name) => {
  try {
    return fs
      .readFileSync(path.join(outDir, `${name}.err`), "utf8")
      .trim()
      .split("\n")
      .slice(-3)
      .join(" | ");
  } catch {
    return "";
  }
};
const fmt = (n, d = 2) => (typeof n === "number" && Number.isFinite(n) ? n.toFixed(d) : "-");

function trainCase(name, file) {
  const j = readJson(file);
  if (j.missing || j.skipped || !j.runs) {
    return { name, error: j.missing || j.skipped || "no runs", stderr: errTail(file) };
  }
  const run = j.runs[0];
  return {
    name,
    config: j.config,
    backend: run.backend,
    formulation: run.formulation,
    adapter: run.adapter,
    trainImgPerS: run.trainImgPerS,
    inferImgPerS: run.inferImgPerS,
    firstStepMs: run.firstStepMs,
    gpuAllocatedMiB: run.gpuAllocatedMiB,
    torchTrainImgPerS: j.torch && j.torch.trainImgPerS,
    torchInferImgPerS: j.torch && j.torch.inferImgPerS,
    trainRatio: j.torch && j.torch.trainRatio,
    inferRatio: j.torch && j.torch.inferRatio,
    torchSkipped: (j.rounds || []).map((r) => r.torch && r.torch.skipped).find(Boolean),
  };
}

let manifest = {};
try {
  manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
} catch {
  // an old pack
}
const adapter = readJson("adapter.json");
const doctor = readJson("doctor.json");
const small = trainCase("128x96 batch 8, plain head", "train-small.json");
const large = trainCase(
  smoke === "1" ? "smoke: 97x97 batch 2, aspp-decoder" : "769x769 batch 8, aspp-decoder",
  "train-large.json",
);
const data = readJson("data.json");
let nvidia = "";
try {
  nvidia = fs.readFileSync(path.join(outDir, "nvidia-smi.txt"), "utf8").trim();
} catch {
  // no nvidia-smi
}

const result = {
  pack: manifest,
  backend,
  torchDevice,
  smoke: smoke === "1",
  nvidiaSmi: nvidia || null,
  adapter,
  doctor,
  train: [small, large],
  data: data.cityscapes ? data.cityscapes.results : data,
  dataTrain: data.cityscapes ? data.cityscapes.train : null,
};
fs.writeFileSync(path.join(outDir, "results.json"), `${JSON.stringify(result, null, 2)}\n`);

const lines = [];
lines.push(
  `segnas GPU check (pack ${manifest.commit || "?"} built ${manifest.built || "?"})${smoke === "1" ? " -- SMOKE RUN (tiny sizes)" : ""}`,
);
if (nvidia) lines.push(`nvidia-smi: ${nvidia}`);
if (adapter.adapters) {
  for (const a of adapter.adapters)
    lines.push(
      `dawn ${a.backend}: ${a.error ? `error: ${a.error}` : a.adapter === null ? "no adapter" : `${a.vendor} / ${a.architecture} / ${a.device} / ${a.description}, maxBufferSize ${a.maxBufferSize}`}`,
    );
} else lines.push(`dawn: ${adapter.error || adapter.missing}`);
if (doctor.selection) {
  const { backend: b, formulation, details } = doctor.selection;
  lines.push(`segnas doctor: chose ${b} (${formulation}) ${JSON.stringify(details || {}).slice(0, 400)}`);
  const w = doctor.webgpu || {};
  for (const a of w.adapters || [])
    lines.push(
      `  adapter ${a.index}: ${a.backend} '${a.name}' type ${a.type}, ${a.vendor}/${a.architecture}/${a.device}, maxBufferSize ${a.maxBufferSize}`,
    );
  for (const p of w.problems || []) lines.push(`  note: ${p}`);
  if (w.gpuIndex) lines.push(`  GPU index map: ${JSON.stringify(w.gpuIndex)}`);
} else lines.push(`segnas doctor: ${doctor.missing || JSON.stringify(doctor).slice(0, 300)}`);
lines.push("");
lines.push(
  `train/infer img/s: segnas ${backend} vs PyTorch (torch_segnet.py --device ${torchDevice}, fp32), same machine`,
);
lines.push(
  "  case                                   segnas train  infer   torch train   infer   train ratio  infer ratio",
);
for (const c of [small, large]) {
  if (c.error) {
    lines.push(`  ${c.name.padEnd(38)} FAILED: ${c.error} ${c.stderr ? `(${c.stderr})` : ""}`);
    continue;
  }
  lines.push(
    `  ${c.name.padEnd(38)} ${fmt(c.trainImgPerS).padStart(12)} ${fmt(c.inferImgPerS).padStart(7)} ${fmt(c.torchTrainImgPerS).padStart(13)} ${fmt(c.torchInferImgPerS).padStart(7)}` +
      `${(c.trainRatio ? `${fmt(c.trainRatio)}x` : "-").padStart(13)}${(c.inferRatio ? `${fmt(c.inferRatio)}x` : "-").padStart(13)}` +
      `${c.torchSkipped ? `  (torch skipped: ${c.torchSkipped})` : ""}`,
  );
  lines.push(
    `    backend ${c.backend} (${c.formulation}), first step ${fmt(c.firstStepMs, 0)} ms${c.gpuAllocatedMiB !== undefined ? `, GPU allocated ${fmt(c.gpuAllocatedMiB, 0)} MiB` : ""}${c.adapter ? `, adapter ${c.adapter}` : ""}`,
  );
}
if (large.trainRatio !== undefined && smoke !== "1")
  lines.push(
    `  target: 769x769 aspp-decoder train >= 0.5x PyTorch: ${large.trainRatio >= 0.5 ? "MET" : "NOT MET"} (${fmt(large.trainRatio)}x)`,
  );
lines.push("");
if (data.cityscapes) {
  const c = data.cityscapes;
  lines.push(
    `data pipeline, Cityscapes-sized (2048x1024 -> stepscaling 0.5-2.0, crop 769x769), ${c.samples} samples per run` +
      (c.train ? `, vs ${fmt(c.train.ips)} train img/s (${c.train.from})` : ""),
  );
  lines.push("  decoder format  pipeline       img/s  per core  img/CPU-s  x training");
  for (const r of c.results)
    lines.push(
      `  ${r.decoder.padEnd(7)} ${r.format.padEnd(6)}  ${r.pipeline.padEnd(12)} ${fmt(r.imgPerS, 1).padStart(7)} ${fmt(r.perCore, 1).padStart(9)}${fmt(r.imgPerCpuS, 1).padStart(11)}${c.train ? `${fmt(r.imgPerS / c.train.ips).padStart(11)}x` : ""}`,
    );
} else lines.push(`data pipeline: ${data.missing || data.skipped || "no result"} ${errTail("data.txt")}`);
process.stdout.write(`${lines.join("\n")}\n`);
