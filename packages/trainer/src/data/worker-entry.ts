/**
 * Entry point of a data worker thread (started by BatchWorkerPool, never imported). Decodes and
 * augments whole batches and transfers the result buffers back (no copy).
 */
import { parentPort, workerData } from "worker_threads";
import { isSegnasError } from "@segnas/core";
import { buildBatch } from "./batch";
import { loadSample, type DecodedSample } from "./sample-source";
import type { BatchJob, BatchReply, WorkerInit } from "./worker-protocol";

const init = workerData as WorkerInit;
const port = parentPort;

function handle(job: BatchJob): { reply: BatchReply; transfer: ArrayBuffer[] } {
  const fresh: Array<{ index: number; sample: DecodedSample }> = [];
  const samples = job.indices.map((index, k) => {
    const hit = job.cached[k];
    if (hit) return hit;
    const sample = loadSample(init.entries[index]!, init.opts.numClasses, init.opts.ignoreIndex);
    fresh.push({ index, sample });
    return sample;
  });
  const batch = buildBatch(samples, init.entries, job.indices, job.seeds, init.opts, init.phase);
  const decoded = job.returnDecoded ? fresh : [];
  const transfer = new Set<ArrayBuffer>([
    batch.images.buffer as ArrayBuffer,
    batch.labels.buffer as ArrayBuffer,
  ]);
  for (const d of decoded) {
    transfer.add(d.sample.image.buffer as ArrayBuffer);
    transfer.add(d.sample.label.buffer as ArrayBuffer);
  }
  return { reply: { id: job.id, ok: true, batch, decoded }, transfer: [...transfer] };
}

if (port) {
  port.on("message", (job: BatchJob) => {
    try {
      const { reply, transfer } = handle(job);
      port.postMessage(reply, transfer);
    } catch (err) {
      const error = isSegnasError(err)
        ? err.toJSON()
        : {
            code: "SEGNAS_E_INTERNAL",
            message: `data worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
          };
      const reply: BatchReply = { id: job.id, ok: false, error };
      port.postMessage(reply);
    }
  });
}
