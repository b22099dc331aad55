/**
 * Backend selection. `auto` tries, in order: @tensorflow/tfjs-node-gpu (only if TensorFlow
 * really runs on a GPU), webgpu (Dawn; only on a hardware adapter), @tensorflow/tfjs-node,
 * wasm, cpu. Each candidate is loaded, switched
 * to and proven with a tiny forward + backward step checked against the cpu backend. The
 * SEGNAS_BACKEND environment variable overrides the preference. The result names the chosen
 * backend and, for every rejected one, a reason a user can act on.
 */
import { formulationForBackend, type FormulationName } from "../ops/formulation";
import { BackendError } from "./errors";
import {
  defaultLoaders,
  loadedNativePackage,
  loadNative,
  nativeUsesGpu,
  type NativeLoaders,
  type NativePackage,
} from "./native";
import { probeCurrentBackend } from "./probe";
import { tf, TFJS_CORE_VERSION } from "./tf";
import { configureWasmPaths } from "./wasm";
import { initWebgpu } from "./webgpu";

export type BackendKind = "tensorflow-gpu" | "webgpu" | "tensorflow" | "wasm" | "cpu";
export type BackendPreference = "auto" | BackendKind;

export const BACKEND_KINDS: readonly BackendKind[] = [
  "tensorflow-gpu",
  "webgpu",
  "tensorflow",
  "wasm",
  "cpu",
];
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ["auto", ...BACKEND_KINDS];

/** Minimal logger (a pino logger fits). */
export interface BackendLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug?(obj: object, msg?: string): void;
}

export interface RejectedBackend {
  readonly backend: BackendKind;
  readonly reason: string;
}

export interface BackendSelection {
  /** What was chosen. */
  readonly backend: BackendKind;
  /** The tfjs backend name now active ("tensorflow", "wasm" or "cpu"). */
  readonly tfBackend: string;
  /** How the model should compute its layers on it. */
  readonly formulation: FormulationName;
  /** The preference in effect, and where it came from. */
  readonly requested: BackendPreference;
  readonly source: "argument" | "env";
  /** Candidates tried before the chosen one (or the one asked for), with reasons. */
  readonly rejected: RejectedBackend[];
  /** Facts about the chosen backend: package and version, GPU use, wasm SIMD, warnings. */
  readonly details: Readonly<Record<string, string | boolean | number>>;
  /** Milliseconds spent loading and proving the chosen backend. */
  readonly ms: number;
}

export interface SelectBackendOptions {
  /** Environment to read SEGNAS_BACKEND from (default process.env). */
  readonly env?: Record<string, string | undefined>;
  /** Module loaders for the native packages (tests inject fakes). */
  readonly loaders?: NativeLoaders;
  /** Skip the forward + backward proof (faster; for tools that only report). */
  readonly skipProbe?: boolean;
  /**
   * Accept a software WebGPU adapter (llvmpipe, SwiftShader). Default: only when webgpu is asked
   * for by name; `auto` skips software adapters (wasm is faster).
   */
  readonly allowSoftwareGpu?: boolean;
}

type Attempt =
  | { ok: true; tfBackend: string; details: Record<string, string | boolean | number> }
  | { ok: false; reason: string };

function parsePreference(value: string, source: string): BackendPreference {
  const v = value.trim().toLowerCase();
  if ((BACKEND_PREFERENCES as readonly string[]).includes(v)) return v as BackendPreference;
  throw new BackendError(
    `${source}: unknown backend ${JSON.stringify(value)}; use one of ${BACKEND_PREFERENCES.join(", ")}`,
    { requested: value, rejected: [] },
  );
}

async function switchTo(name: string): Promise<string | undefined> {
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return `tfjs could not initialise the ${name} backend`;
    await tf.ready();
    return undefined;
  } catch (err) {
    return `tfjs could not initialise the ${name} backend: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`;
  }
}

async function attemptNative(
  kind: "tensorflow-gpu" | "tensorflow",
  loaders: NativeLoaders,
  skipProbe: boolean,
): Promise<Attempt> {
  const wanted: NativePackage =
    kind === "tensorflow-gpu" ? "@tensorflow/tfjs-node-gpu" : "@tensorflow/tfjs-node";
  const other: NativePackage =
    kind === "tensorflow-gpu" ? "@tensorflow/tfjs-node" : "@tensorflow/tfjs-node-gpu";
  const already = loadedNativePackage();
  let pkg = wanted;
  const details: Record<string, string | boolean | number> = {};
  if (already === other) {
    if (kind === "tensorflow-gpu") {
      return {
        ok: false,
        reason: `${other} (CPU-only) is already loaded in this process; start a new process to use ${wanted}`,
      };
    }
    // tfjs-node-gpu loaded but found no GPU: its TensorFlow runs on the CPU, which is what we want.
    pkg = other;
    details.note = `TensorFlow from ${other}, running on the CPU`;
  } else {
    const load = loadNative(wanted, loaders);
    if (!load.ok) return { ok: false, reason: load.reason };
    if (load.packageVersion) details.version = load.packageVersion;
    if (load.warning) details.warning = load.warning;
  }
  details.package = pkg;
  const failed = await switchTo("tensorflow");
  if (failed) return { ok: false, reason: `${pkg} loaded but ${failed}` };
  const gpu = nativeUsesGpu();
  details.gpu = gpu;
  if (kind === "tensorflow-gpu" && !gpu) {
    return {
      ok: false,
      reason: `${pkg} loaded but found no GPU (TensorFlow sees no CUDA device: check \`nvidia-smi\`, the driver and CUDA_VISIBLE_DEVICES)`,
    };
  }
  if (!skipProbe) {
    const bad = await probeCurrentBackend("native");
    if (bad) return { ok: false, reason: `${pkg} loaded but ${bad}` };
  }
  return { ok: true, tfBackend: "tensorflow", details };
}

async function attemptWasm(skipProbe: boolean): Promise<Attempt> {
  try {
    configureWasmPaths();
  } catch (err) {
    return {
      ok: false,
      reason: `@tensorflow/tfjs-backend-wasm is missing: run \`npm install\` (${String(err)})`,
    };
  }
  const failed = await switchTo("wasm");
  if (failed)
    return {
      ok: false,
      reason: `${failed} (its .wasm files come from the @tensorflow/tfjs-backend-wasm package directory)`,
    };
  const details: Record<string, string | boolean | number> = {
    simd: Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")),
    threads: 1,
  };
  if (!skipProbe) {
    const bad = await probeCurrentBackend("portable");
    if (bad) return { ok: false, reason: bad };
  }
  return { ok: true, tfBackend: "wasm", details };
}

async function attemptWebgpu(
  skipProbe: boolean,
  allowSoftware: boolean,
  env: Record<string, string | undefined>,
): Promise<Attempt> {
  const r = await initWebgpu({ allowSoftware, env });
  if (!r.ok) return { ok: false, reason: r.reason };
  if (!skipProbe) {
    const bad = await probeCurrentBackend(formulationForBackend("webgpu"));
    if (bad) return { ok: false, reason: `adapter '${r.adapter.name}' (${r.adapter.backend}): ${bad}` };
  }
  return { ok: true, tfBackend: "webgpu", details: r.details };
}

async function attemptCpu(skipProbe: boolean): Promise<Attempt> {
  const failed = await switchTo("cpu");
  if (failed) return { ok: false, reason: failed };
  if (!skipProbe) {
    const bad = await probeCurrentBackend("portable");
    if (bad) return { ok: false, reason: bad };
  }
  return {
    ok: true,
    tfBackend: "cpu",
    details: { note: "pure JavaScript: slow, for tests and as a last resort" },
  };
}

/** Loads, switches to and proves one backend kind; does not fall back. */
export async function tryBackend(kind: BackendKind, opts: SelectBackendOptions = {}): Promise<Attempt> {
  const loaders = opts.loaders ?? defaultLoaders;
  const skip = opts.skipProbe ?? false;
  switch (kind) {
    case "tensorflow-gpu":
    case "tensorflow":
      return attemptNative(kind, loaders, skip);
    case "webgpu":
      return attemptWebgpu(skip, opts.allowSoftwareGpu ?? true, opts.env ?? process.env);
    case "wasm":
      return attemptWasm(skip);
    case "cpu":
      return attemptCpu(skip);
  }
}

/**
 * Chooses and activates a backend. `auto` falls back through the candidates; a named backend
 * must work or a BackendError (SEGNAS_E_BACKEND) says why. SEGNAS_BACKEND overrides `pref`.
 */
export async function selectBackend(
  pref: BackendPreference = "auto",
  log?: BackendLogger,
  opts: SelectBackendOptions = {},
): Promise<BackendSelection> {
  const env = opts.env ?? process.env;
  const fromEnv = env.SEGNAS_BACKEND;
  const source: "argument" | "env" = fromEnv !== undefined && fromEnv.trim() !== "" ? "env" : "argument";
  const requested =
    source === "env"
      ? parsePreference(fromEnv as string, "SEGNAS_BACKEND")
      : parsePreference(pref, "backend");
  const candidates: BackendKind[] = requested === "auto" ? [...BACKEND_KINDS] : [requested];
  const rejected: RejectedBackend[] = [];
  for (const kind of candidates) {
    const t0 = Date.now();
    const attempt = await tryBackend(kind, {
      ...opts,
      allowSoftwareGpu: opts.allowSoftwareGpu ?? requested !== "auto",
    });
    if (attempt.ok) {
      const selection: BackendSelection = {
        backend: kind,
        tfBackend: attempt.tfBackend,
        formulation: formulationForBackend(attempt.tfBackend),
        requested,
        source,
        rejected,
        details: attempt.details,
        ms: Date.now() - t0,
      };
      log?.info(
        {
          topic: "backend",
          backend: kind,
          formulation: selection.formulation,
          rejected,
          details: attempt.details,
          ms: selection.ms,
        },
        "tfjs backend selected",
      );
      if (typeof attempt.details.warning === "string") log?.warn({ backend: kind }, attempt.details.warning);
      return selection;
    }
    rejected.push({ backend: kind, reason: attempt.reason });
    log?.debug?.({ backend: kind, reason: attempt.reason }, "tfjs backend rejected");
  }
  // Leave a usable backend active even on failure of a named one.
  if (tf.getBackend() === undefined) await switchTo("cpu");
  const how = source === "env" ? `SEGNAS_BACKEND=${fromEnv}` : `backend ${requested}`;
  const list = rejected.map((r) => `${r.backend}: ${r.reason}`).join("; ");
  throw new BackendError(
    requested === "auto"
      ? `no usable TensorFlow.js backend (${list})`
      : `${how} cannot be used: ${list}${source === "env" ? " (unset SEGNAS_BACKEND to choose automatically)" : " (use --backend auto to fall back)"}`,
    { requested, rejected },
  );
}

export { TFJS_CORE_VERSION };
