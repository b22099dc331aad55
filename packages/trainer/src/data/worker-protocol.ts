/** Messages between the data loader and its worker threads (structured-clone plain data). */
import type { Phase } from "./augment";
import type { Batch } from "./batch";
import type { FileListEntry } from "./file-list";
import type { DataOptions } from "./options";
import type { DecodedSample } from "./sample-source";
import type { DecoderKind } from "./sharp-decode";

/** workerData: what every worker needs to load any sample of the list. */
export interface WorkerInit {
  readonly entries: readonly FileListEntry[];
  readonly opts: DataOptions;
  readonly phase: Phase;
  readonly decoder: DecoderKind;
}

export interface BatchJob {
  readonly id: number;
  readonly indices: readonly number[];
  readonly seeds: readonly number[];
  /** Already-decoded samples from the loader's cache (null: decode it here). */
  readonly cached: ReadonlyArray<DecodedSample | null>;
  /** Send freshly decoded samples back so the loader can cache them. */
  readonly returnDecoded: boolean;
}

export interface SerialisedError {
  readonly code: string;
  readonly message: string;
  readonly data?: Record<string, unknown>;
}

export type BatchReply =
  | {
      readonly id: number;
      readonly ok: true;
      readonly batch: Batch;
      readonly decoded: ReadonlyArray<{ index: number; sample: DecodedSample }>;
    }
  | { readonly id: number; readonly ok: false; readonly error: SerialisedError };
