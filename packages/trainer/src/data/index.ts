/**
 * The data pipeline: PaddleSeg file lists, PNG/JPEG decoding, PaddleSeg 0.x augmentation,
 * seeded batches (in-process or in worker threads with prefetch), and the synthetic dataset.
 * Plain typed arrays only (no tfjs), so it runs in worker threads.
 */
export { DataError, type DataErrorData } from "./errors";
export {
  DEFAULT_DATA_OPTIONS,
  DATA_OPTION_KEYS,
  resolveDataOptions,
  dataOptionsFromConfig,
  type DataOptions,
  type AugMethod,
} from "./options";
export { parseFileList, readFileList, resolveListPath, type FileListEntry } from "./file-list";
export { decodeImage, decodeLabel, type RgbImage, type LabelImage } from "./decode";
export { encodeRawPng, type RawPngSpec } from "./png-raw";
export { planSample, renderSample, randomScale, type Phase, type SamplePlan } from "./augment";
export { loadSample, loadSampleAsync, type DecodedSample } from "./sample-source";
export {
  decodeImageSharp,
  decodeLabelSharp,
  loadSharp,
  resolveDecoder,
  type DecoderChoice,
  type DecoderKind,
} from "./sharp-decode";
export { buildBatch, type Batch } from "./batch";
export { sampleSeed, epochOrder } from "./seeds";
export {
  DataLoader,
  createDataLoader,
  defaultNumWorkers,
  DEFAULT_CACHE_BYTES,
  type DataLoaderOptions,
} from "./loader";
export {
  ensureSyntheticDataset,
  generateSyntheticSample,
  syntheticManifest,
  readSyntheticManifest,
  encodePng,
  SYNTHETIC_MAX_CLASSES,
  SYNTHETIC_IGNORE_INDEX,
  SYNTHETIC_VERSION,
  type SyntheticOptions,
  type SyntheticManifest,
  type SyntheticDataset,
} from "./synthetic";
