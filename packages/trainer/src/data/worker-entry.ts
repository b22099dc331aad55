/**
 * Entry point of a data worker thread (started by BatchWorkerPool, never imported). Decodes and
 * augments whole batches and transfers the result buffers back (no copy).
 */
import { parentPort, workerData } from "worker_threads";
import { isSegnasError } from "@segnas/core";
import { buildBatch } from "./batch";
import { loadSampleAsync, type DecodedSample } from "./sample-source";
import type { BatchJob, BatchReply, WorkerInit } from "./worker-protocol";

const init = workerData as WorkerInit;
const port = parentPort;

async function handle(job: BatchJob): Promise<{ reply: BatchReply; transfer: ArrayBuffer[] }> {
  const fresh: Array<{ index: number; sample: DecodedSample }> = [];
  const samples: DecodedSample[] = [];
  for (let k = 0; k < job.indices.length; k++) {
    const index = job.indices[k]!;
    const hit = job.cached[k];
    if (hit) {
      samples.push(hit);
      continue;
    }
    const { numClasses, ignoreIndex } = init.opts;
    const sample = await loadSampleAsync(init.entries[index]!, numClasses, ignoreIndex, init.decoder);
    fresh.push({ index, sample });
    samples.push(sample);
  }
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
    handle(job).then(
      ({ reply, transfer }) => port.postMessage(reply, transfer),
      (err: unknown) => {
        const error = isSegnasError(err)
          ? err.toJSON()
          : {
              code: "SEGNAS_E_INTERNAL",
              message: `data worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
            };
        const reply: BatchReply = { id: job.id, ok: false, error };
        port.postMessage(reply);
      },
    );
  });
}
