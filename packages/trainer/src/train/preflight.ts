/**
 * What a worker checks before it asks for its first trial, so that a broken setup fails once,
 * at start, naming the file and the key to fix, instead of failing every trial it is handed:
 * the file lists exist and are long enough, their first and last samples decode with labels in
 * range (< DATASET.NUM_CLASSES or DATASET.IGNORE_INDEX), and the backend initialises (in a
 * child process, like a trial: the worker process itself never holds tfjs or a GPU).
 */
import { fork } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { getConfigValue, type SegConfig } from "@segnas/config";
import { SegnasError, isErrorCode } from "@segnas/core";
import { dataOptionsFromConfig, loadSample, readFileList, DataError, type FileListEntry } from "../data";

export interface PreflightOptions {
  /** Backend preference (default SEGNAS.BACKEND); SEGNAS_BACKEND in the environment wins. */
  readonly backend?: string;
  /** Relative dataset paths are taken from here (default the current directory). */
  readonly cwd?: string;
  /** Skip the backend check (data only). */
  readonly skipBackend?: boolean;
  /** How long the backend may take to initialise (default 180 s: a GPU backend is slow to load). */
  readonly backendTimeoutMs?: number;
}

export interface PreflightReport {
  readonly trainSamples: number;
  readonly valSamples: number;
  /** The backend a trial would train on (absent when skipped). */
  readonly backend?: string;
}

const LISTS = [
  { phase: "train", key: "DATASET.TRAIN_FILE_LIST" },
  { phase: "val", key: "DATASET.VAL_FILE_LIST" },
] as const;

/** Throws a SegnasError (DataError, BackendError, ...) naming what to fix; nothing is written. */
export async function preflightTraining(
  cfg: SegConfig,
  opts: PreflightOptions = {},
): Promise<PreflightReport> {
  const cwd = opts.cwd ?? process.cwd();
  const data = dataOptionsFromConfig((k) => getConfigValue(cfg, k));
  const counts: Record<string, number> = {};
  for (const { phase, key } of LISTS) {
    const listPath = phase === "train" ? data.trainFileList : data.valFileList;
    let entries: FileListEntry[];
    try {
      entries = readFileList(listPath, { dataDir: data.dataDir, separator: data.separator, baseDir: cwd });
    } catch (e) {
      throw preflightError(e, key);
    }
    if (phase === "train" && entries.length < data.batchSize) {
      throw new DataError(
        `preflight: ${entries[0]?.list ?? listPath} has ${entries.length} sample(s), fewer than one batch of ` +
          `${data.batchSize}: lower BATCH_SIZE or add data (${key}).`,
        { list: entries[0]?.list ?? listPath, key },
      );
    }
    const probe = entries.length > 1 ? [entries[0], entries[entries.length - 1]] : [entries[0]];
    for (const entry of probe) {
      if (!entry) continue;
      try {
        loadSample(entry, data.numClasses, data.ignoreIndex);
      } catch (e) {
        throw preflightError(e, `${key}, DATASET.DATA_DIR`);
      }
    }
    counts[phase] = entries.length;
  }
  const report = { trainSamples: counts.train ?? 0, valSamples: counts.val ?? 0 };
  if (opts.skipBackend) return report;
  const backend = await probeBackendInChild(
    opts.backend ?? cfg.SEGNAS.BACKEND,
    opts.backendTimeoutMs ?? 180_000,
  );
  return { ...report, backend };
}

function preflightError(e: unknown, key: string): SegnasError {
  if (e instanceof SegnasError) {
    const err = new SegnasError(e.code, `preflight: ${e.message} (config key: ${key})`, { ...e.data, key });
    return e instanceof DataError ? new DataError(err.message, err.data, { cause: e }) : err;
  }
  return new DataError(`preflight: ${(e as Error).message} (config key: ${key})`, { key }, { cause: e });
}

/** Path of the compiled backend-probe entry (next to this file in dist). */
function probeEntryPath(): string | null {
  const candidates = [
    path.join(__dirname, "preflight-entry.js"),
    path.resolve(__dirname, "..", "..", "dist", "train", "preflight-entry.js"),
  ];
  return candidates.find((p) => fs.existsSync(p)) ?? null;
}

interface ProbeReply {
  readonly ok: boolean;
  readonly backend?: string;
  readonly code?: string;
  readonly message?: string;
}

/** Selects and proves the backend in a child process, as a trial would; its name, or a BackendError. */
export function probeBackendInChild(pref: string, timeoutMs: number): Promise<string> {
  const entry = probeEntryPath();
  if (!entry) {
    return Promise.reject(
      new SegnasError(
        "SEGNAS_E_INTERNAL",
        "the trainer's preflight entry (dist/train/preflight-entry.js) is missing: build with `npx tsc -b`",
      ),
    );
  }
  return new Promise<string>((resolve, reject) => {
    const child = fork(entry, [], { stdio: ["ignore", "ignore", "pipe", "ipc"], serialization: "json" });
    let reply: ProbeReply | null = null;
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stderr?.on("data", (c: Buffer) => (stderr = (stderr + c.toString("utf8")).slice(-2000)));
    child.on("message", (m: unknown) => (reply = m as ProbeReply));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(
        new SegnasError("SEGNAS_E_BACKEND", `preflight: could not start the backend check: ${e.message}`),
      );
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const r = reply as ProbeReply | null;
      if (r?.ok && r.backend) return resolve(r.backend);
      if (r && !r.ok) {
        const c = isErrorCode(r.code) ? r.code : "SEGNAS_E_BACKEND";
        return reject(
          new SegnasError(
            c,
            `preflight: ${r.message ?? "the backend did not initialise"} (config key: SEGNAS.BACKEND)`,
          ),
        );
      }
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      reject(
        new SegnasError(
          "SEGNAS_E_BACKEND",
          `preflight: the backend check ${how} before answering${signal === "SIGKILL" ? ` (time limit ${Math.round(timeoutMs / 1000)} s?)` : ""}` +
            `${stderr.trim() ? `; last output: ${stderr.trim().split("\n").slice(-3).join(" | ")}` : ""}; run \`segnas doctor\` (config key: SEGNAS.BACKEND)`,
        ),
      );
    });
    child.send({ backend: pref });
  });
}
