/**
 * The data loader: a file list turned into batches, epoch by epoch.
 *
 * - Order: a seeded shuffle per epoch (training), the list order otherwise.
 * - Augmentation: each sample is planned from sampleSeed(seed, epoch, index), so the same seed
 *   gives the same batches whether they are built in-process or by any number of workers.
 * - `mpio` (PaddleSeg's --use_mpio): batches are built by a pool of worker threads, `prefetch`
 *   batches ahead of the consumer (a bounded window); results are transferred, not copied.
 * - Cache: decoded samples are kept (LRU, `cacheBytes`), so files are decoded once for sets that
 *   fit; with mpio the cache lives here and cached samples are posted to the workers.
 *
 * Call `close()` when done (it stops the workers); a forgotten loader does not keep the process
 * alive either.
 */
import * as os from "os";
import type { Phase } from "./augment";
import { buildBatch, type Batch } from "./batch";
import { DataError } from "./errors";
import { readFileList, type FileListEntry } from "./file-list";
import { LruCache } from "./lru-cache";
import type { DataOptions } from "./options";
import { loadSampleAsync, sampleBytes, type DecodedSample } from "./sample-source";
import { resolveDecoder, type DecoderChoice, type DecoderKind } from "./sharp-decode";
import { epochOrder, sampleSeed } from "./seeds";
import { BatchWorkerPool } from "./worker-pool";

export interface DataLoaderOptions {
  /** "train": random augmentation, shuffle and drop-last by default; "eval": deterministic. */
  readonly phase: Phase;
  /** The list to read; default DataOptions.trainFileList (train) or valFileList (eval). */
  readonly fileList?: string;
  /** Already-parsed entries (skips reading fileList). */
  readonly entries?: readonly FileListEntry[];
  /** Where relative list paths and DATA_DIR are taken from; default the working directory. */
  readonly baseDir?: string;
  readonly seed?: number;
  readonly shuffle?: boolean;
  readonly dropLast?: boolean;
  /** Default DataOptions.batchSize. */
  readonly batchSize?: number;
  /** Build batches in worker threads. */
  readonly mpio?: boolean;
  /** Worker threads with mpio; default min(4, available cores). */
  readonly numWorkers?: number;
  /** Batches requested ahead of the consumer with mpio; default max(2, numWorkers). */
  readonly prefetch?: number;
  /** Bytes of decoded samples kept in memory; default 256 MiB; 0 turns the cache off. */
  readonly cacheBytes?: number;
  /**
   * Image decoder: "sharp" (native libvips, ~3-20x faster on large images), "js" (pngjs/jpeg-js),
   * "auto" (sharp when it loads). Default: SEGNAS_DECODER, else "auto". PNG decodes identically
   * either way; JPEG within a few levels (see docs/data.md).
   */
  readonly decoder?: DecoderChoice;
}

export const DEFAULT_CACHE_BYTES = 256 * 1024 * 1024;

/**
 * A view of the same (transferred) memory made with this realm's constructor. Messages are
 * deserialised in the thread's main realm; code running in another vm context (jest, REPL
 * sandboxes) would otherwise see typed arrays that fail `instanceof Float32Array`. No copy.
 */
const VIEW_CTORS = { Float32Array, Int32Array, Uint8Array, Uint16Array } as const;
function rewrap<T extends Float32Array | Int32Array | Uint8Array | Uint16Array>(a: T): T {
  const tag = Object.prototype.toString.call(a).slice(8, -1) as keyof typeof VIEW_CTORS;
  const ctor = VIEW_CTORS[tag] ?? Uint8Array;
  return new ctor(a.buffer as ArrayBuffer, a.byteOffset, a.length) as T;
}

export function defaultNumWorkers(): number {
  const cores = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(4, cores));
}

const DECODER_CHOICES: readonly DecoderChoice[] = ["auto", "sharp", "js"];

function resolveDecoderOption(choice: DecoderChoice | undefined): DecoderKind {
  const env = process.env.SEGNAS_DECODER;
  const c = choice ?? (env === undefined || env === "" ? "auto" : (env as DecoderChoice));
  if (!DECODER_CHOICES.includes(c)) {
    throw new DataError(
      `Unknown image decoder "${c}" (SEGNAS_DECODER): use one of ${DECODER_CHOICES.join(", ")}.`,
    );
  }
  try {
    return resolveDecoder(c);
  } catch (err) {
    throw new DataError(err instanceof Error ? err.message : String(err), {}, { cause: err });
  }
}

export class DataLoader {
  readonly phase: Phase;
  readonly entries: readonly FileListEntry[];
  readonly batchSize: number;
  readonly seed: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly mpio: boolean;
  readonly numWorkers: number;
  readonly prefetch: number;
  /** The decoder in use (after resolving "auto"). */
  readonly decoder: DecoderKind;
  private readonly cache: LruCache<number, DecodedSample> | null;
  private pool: BatchWorkerPool | null = null;
  private orderCache: { epoch: number; order: number[] } | null = null;
  private closed = false;

  constructor(
    readonly data: DataOptions,
    opts: DataLoaderOptions,
  ) {
    this.phase = opts.phase;
    const train = opts.phase === "train";
    this.entries =
      opts.entries ??
      readFileList(opts.fileList ?? (train ? data.trainFileList : data.valFileList), {
        dataDir: data.dataDir,
        separator: data.separator,
        baseDir: opts.baseDir,
      });
    this.batchSize = opts.batchSize ?? data.batchSize;
    this.seed = opts.seed ?? 0;
    this.shuffle = opts.shuffle ?? train;
    this.dropLast = opts.dropLast ?? train;
    this.mpio = opts.mpio ?? false;
    this.numWorkers = Math.max(1, Math.floor(opts.numWorkers ?? defaultNumWorkers()));
    this.prefetch = Math.max(1, Math.floor(opts.prefetch ?? Math.max(2, this.numWorkers)));
    this.decoder = resolveDecoderOption(opts.decoder);
    const cacheBytes = opts.cacheBytes ?? DEFAULT_CACHE_BYTES;
    this.cache = cacheBytes > 0 ? new LruCache(cacheBytes) : null;
    if (!(Number.isInteger(this.batchSize) && this.batchSize >= 1)) {
      throw new DataError(`The batch size must be a positive integer, got ${this.batchSize}.`);
    }
    if (this.entries.length === 0 || (this.dropLast && this.entries.length < this.batchSize)) {
      const list = this.entries[0]?.list ?? opts.fileList;
      throw new DataError(
        `${list ?? "The file list"} has ${this.entries.length} sample(s), fewer than one batch of ` +
          `${this.batchSize}: lower BATCH_SIZE or add data.`,
        { list },
      );
    }
  }

  get numSamples(): number {
    return this.entries.length;
  }

  batchesPerEpoch(): number {
    const n = this.entries.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** File-list positions of batch `b` of `epoch`. */
  batchIndices(epoch: number, b: number): number[] {
    if (this.orderCache === null || this.orderCache.epoch !== epoch) {
      this.orderCache = { epoch, order: epochOrder(this.entries.length, this.seed, epoch, this.shuffle) };
    }
    return this.orderCache.order.slice(b * this.batchSize, (b + 1) * this.batchSize);
  }

  /** Builds one batch (in a worker with mpio). */
  loadBatch(epoch: number, b: number): Promise<Batch> {
    if (this.closed) return Promise.reject(new DataError("The data loader is closed."));
    if (!(Number.isInteger(b) && b >= 0 && b < this.batchesPerEpoch())) {
      return Promise.reject(new DataError(`Batch ${b} is out of range (0..${this.batchesPerEpoch() - 1}).`));
    }
    const indices = this.batchIndices(epoch, b);
    const seeds = indices.map((i) => sampleSeed(this.seed, epoch, i));
    if (!this.mpio) return this.loadBatchHere(indices, seeds);
    if (this.pool === null) {
      // sharp decodes on libuv's thread pool (4 threads unless UV_THREADPOOL_SIZE says more, read
      // once at its first use): with more workers than that, decodes would queue. Best effort
      // here; a launcher that wants many workers sets it in the environment.
      if (this.decoder === "sharp" && process.env.UV_THREADPOOL_SIZE === undefined && this.numWorkers > 4) {
        process.env.UV_THREADPOOL_SIZE = String(this.numWorkers);
      }
      this.pool = new BatchWorkerPool(this.numWorkers, {
        entries: this.entries,
        opts: this.data,
        phase: this.phase,
        decoder: this.decoder,
      });
    }
    const cached = indices.map((i) => this.cache?.get(i) ?? null);
    return this.pool.run({ indices, seeds, cached, returnDecoded: this.cache !== null }).then((reply) => {
      for (const { index, sample } of reply.decoded) {
        const s: DecodedSample = { ...sample, image: rewrap(sample.image), label: rewrap(sample.label) };
        this.cache?.set(index, s, sampleBytes(s));
      }
      const b = reply.batch;
      return { ...b, images: rewrap(b.images), labels: rewrap(b.labels), indices: [...b.indices] };
    });
  }

  /** In-process: one sample at a time (one core's worth; mpio is the parallel path). */
  private async loadBatchHere(indices: number[], seeds: number[]): Promise<Batch> {
    const samples: DecodedSample[] = [];
    for (const i of indices) samples.push(await this.sample(i));
    return buildBatch(samples, this.entries, indices, seeds, this.data, this.phase);
  }

  private async sample(i: number): Promise<DecodedSample> {
    const hit = this.cache?.get(i);
    if (hit !== undefined) return hit;
    const s = await loadSampleAsync(
      this.entries[i]!,
      this.data.numClasses,
      this.data.ignoreIndex,
      this.decoder,
    );
    this.cache?.set(i, s, sampleBytes(s));
    return s;
  }

  /** Yields the batches of one epoch; with mpio keeps `prefetch` batches in flight ahead. */
  async *epoch(epoch: number): AsyncGenerator<Batch, void, undefined> {
    const total = this.batchesPerEpoch();
    if (!this.mpio) {
      for (let b = 0; b < total; b++) yield await this.loadBatch(epoch, b);
      return;
    }
    const ahead: Array<Promise<Batch>> = [];
    let next = 0;
    const fill = (): void => {
      while (next < total && ahead.length < this.prefetch) {
        const p = this.loadBatch(epoch, next++);
        p.catch(() => undefined); // rejected later, when the consumer reaches it
        ahead.push(p);
      }
    };
    fill();
    while (ahead.length > 0) {
      const p = ahead.shift()!;
      fill();
      yield await p;
    }
  }

  /** Decoded samples held in memory, for logs. */
  cacheStats(): { samples: number; bytes: number } {
    return { samples: this.cache?.size ?? 0, bytes: this.cache?.bytes ?? 0 };
  }

  /** Stops the worker threads (if any). Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    const pool = this.pool;
    this.pool = null;
    if (pool !== null) await pool.close();
  }
}

/** Convenience: `new DataLoader(data, opts)`. */
export function createDataLoader(data: DataOptions, opts: DataLoaderOptions): DataLoader {
  return new DataLoader(data, opts);
}
