/**
 * A small pool of worker threads that build batches (`--use_mpio`). Jobs go to idle workers in
 * submission order; a worker's result buffers are transferred, not copied. Workers are unref'd
 * while idle, so a loader that is never closed cannot keep the process alive, yet a pending job
 * still holds the event loop open. A worker that crashes fails every pending job and the pool;
 * errors raised on purpose inside a worker (DataError) come back as the same error class.
 */
import * as fs from "fs";
import * as path from "path";
import { Worker } from "worker_threads";
import { SegnasError } from "@segnas/core";
import { errorFromJSON } from "./errors";
import type { BatchJob, BatchReply, WorkerInit } from "./worker-protocol";

type Pending = {
  job: BatchJob;
  resolve: (r: Extract<BatchReply, { ok: true }>) => void;
  reject: (e: unknown) => void;
};

interface Slot {
  worker: Worker;
  current: Pending | null;
}

/** The compiled worker script; from TypeScript sources (jest) fall back to the built copy. */
export function workerScriptPath(): string {
  const here = path.join(__dirname, "worker-entry.js");
  if (fs.existsSync(here)) return here;
  const built = path.resolve(__dirname, "..", "..", "dist", "data", "worker-entry.js");
  if (fs.existsSync(built)) return built;
  throw new SegnasError(
    "SEGNAS_E_INTERNAL",
    `The data worker script is missing (looked for ${here} and ${built}). Build first: npx tsc -b.`,
  );
}

export class BatchWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private failure: unknown = null;
  private closed = false;

  constructor(size: number, init: WorkerInit) {
    const script = workerScriptPath();
    for (let i = 0; i < size; i++) {
      const worker = new Worker(script, { workerData: init });
      const slot: Slot = { worker, current: null };
      worker.unref();
      worker.on("message", (reply: BatchReply) => this.onReply(slot, reply));
      worker.on("error", (err) =>
        this.fail(
          new SegnasError("SEGNAS_E_INTERNAL", `A data worker crashed: ${err.message}`, {}, { cause: err }),
        ),
      );
      worker.on("exit", (code) => {
        if (!this.closed)
          this.fail(
            new SegnasError("SEGNAS_E_INTERNAL", `A data worker exited unexpectedly (code ${code}).`),
          );
      });
      this.slots.push(slot);
    }
  }

  get size(): number {
    return this.slots.length;
  }

  run(job: Omit<BatchJob, "id">): Promise<Extract<BatchReply, { ok: true }>> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.closed)
      return Promise.reject(new SegnasError("SEGNAS_E_INTERNAL", "The data loader is closed."));
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { ...job, id: this.nextId++ }, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.current !== null) continue;
      const pending = this.queue.shift()!;
      slot.current = pending;
      slot.worker.ref();
      slot.worker.postMessage(pending.job);
    }
  }

  private onReply(slot: Slot, reply: BatchReply): void {
    const pending = slot.current;
    slot.current = null;
    slot.worker.unref();
    if (pending !== null && pending.job.id === reply.id) {
      if (reply.ok) pending.resolve(reply);
      else pending.reject(errorFromJSON(reply.error));
    }
    this.dispatch();
  }

  private fail(err: unknown): void {
    if (this.failure !== null || this.closed) return;
    this.failure = err;
    for (const slot of this.slots) {
      slot.current?.reject(err);
      slot.current = null;
    }
    for (const p of this.queue.splice(0)) p.reject(err);
    void this.close();
  }

  /** Stops every worker; pending jobs are rejected. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new SegnasError("SEGNAS_E_INTERNAL", "The data loader was closed while a batch was pending.");
    for (const p of this.queue.splice(0)) p.reject(err);
    for (const slot of this.slots) {
      slot.current?.reject(err);
      slot.current = null;
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
