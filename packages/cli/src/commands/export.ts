/**
 * `segnas export RUN_DIR [--rank N | --trial ID] --out DIR`: one trial of a search, packaged for
 * use outside segnas —
 *   arch.json        space, tokens, decoded blocks, params, FLOPs, reward, curve, seed, input
 *                    size, classes, head, normalisation, the trial's backend, segnas' version
 *   train-arch.yaml  the trial's effective config with SEGNAS.TOKENS set: `segnas train-arch
 *                    --cfg DIR/train-arch.yaml` trains the same architecture again
 *   model/           the trained network as a standard TensorFlow.js GraphModel (model.json +
 *                    weights.bin) that plain @tensorflow/tfjs loads (tf.loadGraphModel /
 *                    loadGraphModelSync), checked against segnas' own predict before it is kept
 * Every trial's model stays in its trial directory (RUN_DIR/trials/trial-NNNN/model), so any
 * rank can be exported on the host its worker ran on; best-model/ stands in for the best trial.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Argv, CommandModule } from "yargs";
import { MobileNetV2SpaceSeg, SegnasError } from "@segnas/core";
import { configToYaml, loadConfig, type SegConfig } from "@segnas/config";
import { exportModel, selectBackend, type BackendPreference, type ExportModelResult } from "@segnas/trainer";
import { parsePositiveInt, parseSize } from "../args";
import { formatCount, formatFlops } from "../format";
import { displayPath } from "../nas/config";
import { nasLogger } from "../nas/logger";
import { backendOption, jsonOption } from "../options";

interface ExportArgs {
  runDir: string;
  rank?: string | number;
  trial?: string | number;
  out: string;
  size?: string;
  cfg?: string;
  backend?: string;
  json: boolean;
}

/** One row of trials.jsonl (server/src/results.ts trialRow), as far as export reads it. */
interface TrialRow {
  trial: number;
  status: string;
  reward: number | null;
  tokens: number[];
  blocks: unknown;
  params: number | null;
  flops: number | null;
  curve: unknown[];
  worker: string | null;
  backend: string | null;
  host: string | null;
  durationMs: number | null;
  trialDir: string | null;
  model: string | null;
}

const SEGNAS_VERSION: string = (require("../../package.json") as { version: string }).version;

/** Config keys holding paths, relative to the working directory of the run (as in PaddleSeg). */
const PATH_KEYS = [
  "DATASET.DATA_DIR",
  "DATASET.TRAIN_FILE_LIST",
  "DATASET.VAL_FILE_LIST",
  "DATASET.TEST_FILE_LIST",
  "DATASET.VIS_FILE_LIST",
  "SEGNAS.CACHE_DIR",
] as const;

function fail(message: string, data: Record<string, unknown> = {}): never {
  throw new SegnasError("SEGNAS_E_EXPORT", message, data);
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch {
    return null;
  }
}

export function readTrials(runDir: string): TrialRow[] {
  const file = path.join(runDir, "trials.jsonl");
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    fail(
      `${file} does not exist: ${runDir} is not a segnas run directory (a search writes trials.jsonl there; give the directory of segnas server / train / demo)`,
      { runDir },
    );
  }
  const rows: TrialRow[] = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    try {
      rows.push(JSON.parse(line) as TrialRow);
    } catch {
      fail(
        `${file} line ${i + 1} is not JSON: the file is damaged (the journal can rebuild it: restart the server on the run directory)`,
      );
    }
  }
  return rows;
}

/**
 * A trial directory on its own (`segnas train-arch` output, or RUN_DIR/trials/trial-NNNN): its
 * arch.json and metrics.json as a one-trial run; null when `dir` is not one.
 */
export function trialDirRow(dir: string): TrialRow | null {
  const arch = readJson<{ tokens?: number[] }>(path.join(dir, "arch.json"));
  const m = readJson<Record<string, unknown>>(path.join(dir, "metrics.json"));
  if (!arch || !Array.isArray(arch.tokens) || !m) return null;
  const num = (v: unknown): number | null => (typeof v === "number" ? v : null);
  return {
    trial: 0,
    status: typeof m.status === "string" ? m.status : "completed",
    reward: num(m.reward),
    tokens: arch.tokens,
    blocks: null,
    params: num(m.params),
    flops: num(m.flops),
    curve: Array.isArray(m.curve) ? m.curve : [],
    worker: null,
    backend: typeof m.backend === "string" ? m.backend : null,
    host: null,
    durationMs: num(m.durationMs),
    trialDir: dir,
    model: path.join(dir, "model"),
  };
}

/** Completed trials with a reward, best first (ties: the earlier trial). */
export function rankTrials(rows: TrialRow[]): TrialRow[] {
  return rows
    .filter((r) => r.status === "completed" && typeof r.reward === "number")
    .sort((a, b) => (b.reward as number) - (a.reward as number) || a.trial - b.trial);
}

export function selectTrial(
  rows: TrialRow[],
  by: { rank?: number; trial?: number },
): { row: TrialRow; rank: number | null } {
  const ranked = rankTrials(rows);
  if (by.trial !== undefined) {
    const row = rows.find((r) => r.trial === by.trial);
    if (!row) fail(`the run has no trial ${by.trial} (it has trials 1..${rows.length})`, { trial: by.trial });
    if (row.status !== "completed") {
      fail(`trial ${by.trial} is ${row.status}, not completed: it has no trained model to export`, {
        trial: by.trial,
        status: row.status,
      });
    }
    const i = ranked.indexOf(row);
    return { row, rank: i < 0 ? null : i + 1 };
  }
  const rank = by.rank ?? 1;
  if (ranked.length === 0) fail("the run has no completed trial yet: nothing to export");
  const row = ranked[rank - 1];
  if (!row) fail(`--rank ${rank}: the run has only ${ranked.length} completed trial(s)`, { rank });
  return { row, rank };
}

/** The trial's saved segnas model on this host: its trial directory, or best-model/ for the best. */
function findModelDir(runDir: string, row: TrialRow): string | null {
  const candidates: string[] = [];
  if (row.model) candidates.push(row.model);
  if (row.trialDir) candidates.push(path.join(row.trialDir, "model"));
  const best = readJson<{ trial?: number }>(path.join(runDir, "best.json"));
  if (best?.trial === row.trial) candidates.push(path.join(runDir, "best-model"));
  return (
    candidates.find(
      (d) => fs.existsSync(path.join(d, "model.json")) && fs.existsSync(path.join(d, "weights.bin")),
    ) ?? null
  );
}

/** The config the trial trained with (its trial directory's config.yaml), else --cfg. */
function trialConfig(row: TrialRow, cfgFlag: string | undefined): { file: string; cwd: string } | null {
  if (row.trialDir) {
    const file = path.join(row.trialDir, "config.yaml");
    const arch = readJson<{ cwd?: string }>(path.join(row.trialDir, "arch.json"));
    if (fs.existsSync(file)) return { file, cwd: arch?.cwd ?? process.cwd() };
  }
  return cfgFlag ? { file: path.resolve(cfgFlag), cwd: process.cwd() } : null;
}

/** The trial's config, paths made absolute, SEGNAS.TOKENS set, as YAML for train-arch --cfg. */
function trainArchSnippet(
  base: { file: string; cwd: string },
  row: TrialRow,
  outDir: string,
): { yaml: string; cfg: SegConfig } {
  const first = loadConfig({ file: base.file }).config as unknown as Record<string, Record<string, unknown>>;
  const overrides: string[] = [];
  for (const key of PATH_KEYS) {
    const [group, name] = key.split(".") as [string, string];
    const v = first[group]?.[name];
    if (typeof v === "string" && v !== "" && !path.isAbsolute(v)) {
      overrides.push(key, JSON.stringify(path.resolve(base.cwd, v) + (v.endsWith("/") ? "/" : "")));
    }
  }
  // train-arch writes its trial directory under TRAIN.MODEL_SAVE_DIR: next to this export.
  overrides.push("TRAIN.MODEL_SAVE_DIR", JSON.stringify(path.resolve(outDir)));
  overrides.push("SEGNAS.TOKENS", `[${row.tokens.join(", ")}]`);
  const cfg = loadConfig({ file: base.file, overrides }).config;
  const yaml = configToYaml(cfg, {
    header: [
      `segnas export of ${row.trial > 0 ? `trial ${row.trial}` : row.trialDir} (reward ${row.reward ?? "none"}): train this architecture again with`,
      `  segnas train-arch --cfg ${path.join(path.resolve(outDir), "train-arch.yaml")}`,
      "SEGNAS.TOKENS is the architecture; the rest is the config the trial trained with (paths made absolute).",
    ],
  });
  return { yaml, cfg };
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

export const exportCommand: CommandModule<object, ExportArgs> = {
  command: "export <runDir>",
  describe:
    "Export a trial of a search: arch.json, a train-arch config, and the trained model for plain TensorFlow.js",
  builder: (y: Argv) =>
    y
      .positional("runDir", {
        type: "string",
        describe:
          "the run directory of a search (holds trials.jsonl), or one trial's directory (train-arch --out)",
      })
      .option("rank", {
        type: "string",
        describe: "export the N-th best completed trial (default 1: the best)",
      })
      .option("trial", { type: "string", describe: "export this trial id instead of a rank" })
      .option("out", { type: "string", demandOption: true, describe: "output directory (created)" })
      .option("size", {
        type: "string",
        describe: "input size HEIGHTxWIDTH of the exported model (default the trial's TRAIN_CROP_SIZE)",
      })
      .option("cfg", {
        type: "string",
        describe: "config to base train-arch.yaml on when the trial directory has none (older runs)",
      })
      .option("backend", backendOption("TensorFlow.js backend for the export check (default auto)"))
      .option("json", jsonOption("print one JSON object on stdout"))
      .conflicts("rank", "trial")
      .example("$0 export runs/demo --out best", "the best trial")
      .example("$0 export runs/demo --rank 2 --out second", "the second best") as unknown as Argv<ExportArgs>,
  handler: async (args) => {
    const logger = nasLogger({ json: args.json });
    const runDir = path.resolve(args.runDir);
    const outDir = path.resolve(args.out);
    // A run directory has trials.jsonl; a single trial directory (train-arch) has arch.json + metrics.json.
    const single = fs.existsSync(path.join(runDir, "trials.jsonl")) ? null : trialDirRow(runDir);
    if (single && (args.rank !== undefined || args.trial !== undefined)) {
      fail(
        `${runDir} is a single trial's directory: --rank and --trial choose among the trials of a run directory`,
      );
    }
    const { row, rank } = single
      ? { row: single, rank: null }
      : selectTrial(readTrials(runDir), {
          ...(args.rank !== undefined ? { rank: parsePositiveInt(args.rank, "--rank") } : {}),
          ...(args.trial !== undefined ? { trial: parsePositiveInt(args.trial, "--trial") } : {}),
        });
    const space = new MobileNetV2SpaceSeg();
    const arch = space.decode(row.tokens);
    const trialArch = row.trialDir
      ? readJson<{
          head?: string;
          classes?: number;
          inputSize?: { height: number; width: number };
          seed?: number;
        }>(path.join(row.trialDir, "arch.json"))
      : null;
    const metrics = row.trialDir
      ? readJson<{ bestEpoch?: number | null; solver?: unknown; epochs?: number }>(
          path.join(row.trialDir, "metrics.json"),
        )
      : null;
    fs.mkdirSync(outDir, { recursive: true });

    const base = trialConfig(row, args.cfg);
    const snippet = base ? trainArchSnippet(base, row, outDir) : null;
    if (snippet) writeAtomic(path.join(outDir, "train-arch.yaml"), snippet.yaml);
    const cfg = snippet?.cfg;

    const [cropW, cropH] = (cfg?.TRAIN_CROP_SIZE ?? []) as number[];
    const inputSize = trialArch?.inputSize ?? (cropW && cropH ? { height: cropH, width: cropW } : null);
    const exportSize = args.size ? parseSize(args.size) : inputSize;
    const info: Record<string, unknown> = {
      segnas: {
        version: SEGNAS_VERSION,
        exportedAt: new Date().toISOString(),
        ...(single ? { trialDir: runDir } : { runDir, trial: row.trial, rank }),
      },
      space: arch.space,
      tokens: arch.tokens,
      blocks: arch.blocks,
      arch,
      head: trialArch?.head ?? null,
      classes: trialArch?.classes ?? cfg?.DATASET.NUM_CLASSES ?? null,
      inputSize,
      params: row.params,
      flops: row.flops,
      reward: row.reward,
      bestEpoch: metrics?.bestEpoch ?? null,
      curve: row.curve,
      seed: trialArch?.seed ?? cfg?.SEGNAS.SEED ?? null,
      backend: row.backend,
      worker: row.worker,
      durationMs: row.durationMs,
      solver: metrics?.solver ?? null,
      // What the model expects: RGB, NHWC, pixel / 255 then (x - MEAN) / STD per channel.
      normalization: cfg ? { mean: cfg.MEAN, std: cfg.STD, formula: "(pixel / 255 - mean) / std" } : null,
      trainArchConfig: snippet ? "train-arch.yaml" : null,
      model: null,
    };

    const modelDir = findModelDir(runDir, row);
    let exported: ExportModelResult | null = null;
    let problem: string | null = null;
    if (!modelDir) {
      problem =
        row.host && row.model
          ? `trial ${row.trial}'s model is at ${row.host}:${row.model}, not on this host: run segnas export there, or copy the trial directory here`
          : `trial ${row.trial} kept no trained model (its worker ran without a trial directory, or it was deleted)`;
    } else if (!exportSize || !info.classes) {
      problem = `trial ${row.trial} recorded no input size: give --size HEIGHTxWIDTH`;
    } else {
      const pref = (args.backend ?? cfg?.SEGNAS.BACKEND ?? "auto") as BackendPreference;
      await selectBackend(pref, logger);
      exported = await exportModel({
        modelDir,
        outDir: path.join(outDir, "model"),
        height: exportSize.height,
        width: exportSize.width,
        generatedBy: `segnas ${SEGNAS_VERSION}`,
        metadata: {
          segnas: { version: SEGNAS_VERSION, trial: row.trial, tokens: arch.tokens },
          classes: info.classes,
          input: {
            name: "image",
            shape: [-1, exportSize.height, exportSize.width, 3],
            normalization: info.normalization,
          },
          output: { name: "logits", shape: [-1, exportSize.height, exportSize.width, info.classes] },
        },
      });
      info.model = {
        format: "tfjs graph-model",
        dir: "model",
        files: exported.files,
        input: { name: "image", shape: [-1, exportSize.height, exportSize.width, 3], dtype: "float32" },
        output: {
          name: "logits",
          shape: [-1, exportSize.height, exportSize.width, exported.classes],
          dtype: "float32",
        },
        loader:
          "tf.loadGraphModel('file or http URL of model/model.json'), or in Node without tfjs-node: tf.loadGraphModelSync([JSON.parse(model.json), weights.bin as ArrayBuffer])",
        source: modelDir,
        check: exported.check,
      };
    }
    writeAtomic(path.join(outDir, "arch.json"), `${JSON.stringify(info, null, 2)}\n`);

    if (args.json) {
      process.stdout.write(`${JSON.stringify({ out: outDir, ...info, ...(problem ? { problem } : {}) })}\n`);
    } else {
      const out = (k: string, v: string) => process.stdout.write(`${k.padEnd(14)}${v}\n`);
      out(
        "trial",
        `${single ? displayPath(runDir) : row.trial}${rank ? ` (rank ${rank})` : ""}, reward ${row.reward ?? "-"}`,
      );
      out("architecture", arch.tokens.join(","));
      if (row.params !== null) out("params", formatCount(row.params));
      if (row.flops !== null) out("FLOPs", formatFlops(row.flops));
      out("arch.json", displayPath(path.join(outDir, "arch.json")));
      if (snippet)
        out("train again", `segnas train-arch --cfg ${displayPath(path.join(outDir, "train-arch.yaml"))}`);
      if (exported) {
        const bytes = exported.files.reduce((a, f) => a + f.bytes, 0);
        out(
          "model",
          `${displayPath(path.join(outDir, "model"))}/ (tfjs GraphModel, ${(bytes / 1e6).toFixed(2)} MB)`,
        );
        out(
          "check",
          `max |logit diff| ${exported.check.maxAbsDiff.toExponential(2)} vs segnas (max |logit| ${exported.check.maxAbsLogit.toFixed(2)}), argmax agreement ${(100 * exported.check.argmaxAgreement).toFixed(2)}% on ${exported.check.backend}`,
        );
      }
    }
    if (problem) {
      fail(
        `${problem}. arch.json${snippet ? " and train-arch.yaml were" : " was"} written to ${outDir}${snippet ? `; to get weights, train it again (segnas train-arch --cfg ${path.join(outDir, "train-arch.yaml")}) and export the trial directory it prints` : ""}`,
        { trial: row.trial },
      );
    }
  },
};
