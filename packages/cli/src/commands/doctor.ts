/**
 * `segnas doctor`: which TensorFlow.js backend training would use here and why the others would
 * not (each with what to do about it), proven by a tiny forward + backward step; plus Node, CPU
 * and memory facts. `--backend` checks one preference (SEGNAS_BACKEND overrides it, as in
 * training); `--json` prints one JSON object. Exits with SEGNAS_E_BACKEND's status when no
 * backend can be used.
 */
import * as os from "os";
import type { Argv, CommandModule } from "yargs";
import {
  BACKEND_KINDS,
  BACKEND_PREFERENCES,
  TFJS_CORE_VERSION,
  WASM_BACKEND_VERSION,
  listAdapters,
  selectBackend,
  tf,
  tryBackend,
  type BackendKind,
  type BackendPreference,
  type BackendSelection,
  type AdapterListing,
} from "@segnas/trainer";
import { isSegnasError } from "@segnas/core";

interface DoctorArgs {
  backend: string;
  json: boolean;
}

interface CandidateReport {
  backend: BackendKind;
  status: "chosen" | "rejected" | "available" | "unavailable";
  reason?: string;
}

const GiB = 1024 ** 3;

async function report(pref: BackendPreference) {
  const cpus = os.cpus();
  const system = {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? "unknown",
    memoryTotalGiB: Number((os.totalmem() / GiB).toFixed(1)),
    memoryFreeGiB: Number((os.freemem() / GiB).toFixed(1)),
    tfjsCore: TFJS_CORE_VERSION,
    tfjsWasm: WASM_BACKEND_VERSION,
    segnasBackendEnv: process.env.SEGNAS_BACKEND ?? null,
  };
  let selection: BackendSelection | undefined;
  let error: unknown;
  try {
    selection = await selectBackend(pref);
  } catch (err) {
    error = err;
  }
  const rejected =
    selection?.rejected ??
    (isSegnasError(error) ? ((error.data as { rejected?: CandidateReport[] }).rejected ?? []) : []);
  const candidates: CandidateReport[] = [];
  for (const kind of BACKEND_KINDS) {
    const r = rejected.find((x) => x.backend === kind);
    if (selection?.backend === kind) candidates.push({ backend: kind, status: "chosen" });
    else if (r) candidates.push({ backend: kind, status: "rejected", reason: r.reason });
    else {
      // Not tried by the selection (an earlier candidate won): check it too, for the report.
      const attempt = await tryBackend(kind);
      candidates.push(
        attempt.ok
          ? { backend: kind, status: "available" }
          : { backend: kind, status: "unavailable", reason: attempt.reason },
      );
    }
  }
  if (selection) await tf.setBackend(selection.tfBackend);
  return { system, selection, candidates, error, webgpu: await webgpuReport() };
}

/** Every adapter Dawn sees and which one each GPU index (SEGNAS_GPU_INDEX, --gpus) maps to. */
async function webgpuReport(): Promise<
  | (AdapterListing & { gpuIndex: { index: number; adapter: string | null; note?: string }[] })
  | { error: string }
> {
  try {
    const listing = await listAdapters();
    const gpuIndex = listing.adapters.map((a) => {
      const first = listing.adapters.findIndex((b) => b.backend === a.backend && b.name === a.name);
      return first === a.index
        ? { index: a.index, adapter: `${a.backend} '${a.name}'` }
        : {
            index: a.index,
            adapter: null,
            note: `same name as adapter ${first}: Dawn cannot pick it; use one container per GPU (NVIDIA_VISIBLE_DEVICES=${a.index})`,
          };
    });
    return { ...listing, gpuIndex };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

export const doctorCommand: CommandModule<object, DoctorArgs> = {
  command: "doctor",
  describe:
    "Which TensorFlow.js backend training would use here (and why not the others); Node, CPUs, memory",
  builder: (y: Argv<object>) =>
    y
      .option("backend", {
        type: "string",
        default: "auto",
        choices: BACKEND_PREFERENCES as unknown as string[],
        describe: "Backend preference to check (SEGNAS_BACKEND overrides it, as in training)",
      })
      .option("json", {
        type: "boolean",
        default: false,
        describe: "Print one JSON object",
      }) as unknown as Argv<DoctorArgs>,
  handler: async (args) => {
    const r = await report(args.backend as BackendPreference);
    if (args.json) {
      const { error, ...rest } = r;
      const err = isSegnasError(error)
        ? { code: error.code, message: error.message }
        : error
          ? { message: String(error) }
          : null;
      process.stdout.write(`${JSON.stringify({ ...rest, error: err })}\n`);
    } else {
      const s = r.system;
      const lines = [
        "segnas doctor",
        `  node        ${s.node} (${s.platform})`,
        `  cpus        ${s.cpus} x ${s.cpuModel}`,
        `  memory      ${s.memoryTotalGiB} GiB total, ${s.memoryFreeGiB} GiB free`,
        `  tfjs        core ${s.tfjsCore}, wasm backend ${s.tfjsWasm}`,
      ];
      if (s.segnasBackendEnv)
        lines.push(`  env         SEGNAS_BACKEND=${s.segnasBackendEnv} (overrides --backend)`);
      if (r.selection) {
        const sel = r.selection;
        const facts = Object.entries(sel.details)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ");
        lines.push(
          `  backend     ${sel.backend} (${sel.formulation} formulation; proven by a training step in ${sel.ms} ms)${facts ? `; ${facts}` : ""}`,
        );
      } else {
        lines.push("  backend     none usable");
      }
      lines.push("  candidates");
      for (const c of r.candidates) {
        const what =
          c.status === "available"
            ? r.selection
              ? `works (${r.selection.backend} comes first)`
              : "works"
            : c.status;
        lines.push(`    ${c.backend.padEnd(15)} ${what}${c.reason ? `: ${c.reason}` : ""}`);
      }
      lines.push("  webgpu adapters (Dawn; SEGNAS_GPU_INDEX / --gpus count in this order)");
      const w = r.webgpu;
      if ("error" in w) lines.push(`    cannot list: ${w.error}`);
      else {
        if (w.adapters.length === 0) lines.push("    none");
        for (const a of w.adapters) {
          const map = w.gpuIndex[a.index];
          lines.push(
            `    ${a.index}: ${a.backend} '${a.name}' type ${a.type}${a.fallback ? " (fallback)" : ""}; vendor '${a.vendor}', architecture '${a.architecture}', device '${a.device}', description '${a.description}'; max buffer ${(a.maxBufferSize / 2 ** 20).toFixed(0)} MiB, max storage binding ${(a.maxStorageBufferBindingSize / 2 ** 20).toFixed(0)} MiB`,
          );
          lines.push(
            `       GPU index ${a.index} -> ${map?.adapter ?? `not selectable: ${map?.note ?? "?"}`}`,
          );
        }
        for (const p of w.problems) lines.push(`    (${p})`);
      }
      process.stdout.write(`${lines.join("\n")}\n`);
    }
    if (r.error) throw r.error;
  },
};
