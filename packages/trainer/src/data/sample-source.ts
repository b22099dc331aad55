/**
 * Reads and decodes the samples of a file list: the image and its label, checked for matching
 * size and for class ids that fit NUM_CLASSES. Every failure is a DataError naming the file and
 * the list line it came from.
 */
import * as fs from "fs";
import { decodeImage, decodeLabel, type LabelImage, type RgbImage } from "./decode";
import { DataError, where } from "./errors";
import type { FileListEntry } from "./file-list";
import { decodeImageSharp, decodeLabelSharp, type DecoderKind } from "./sharp-decode";

export interface DecodedSample {
  readonly width: number;
  readonly height: number;
  /** RGB8, row-major, width * height * 3. */
  readonly image: Uint8Array;
  /** Class ids, width * height. */
  readonly label: Uint8Array | Uint16Array;
}

export function sampleBytes(s: DecodedSample): number {
  return s.image.byteLength + s.label.byteLength;
}

function readBytes(file: string, kind: string, entry: FileListEntry): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new DataError(
      `Cannot read ${kind} ${file}${where(entry.list, entry.line)}: ` +
        `${code === "ENOENT" ? "no such file" : code}. Fix the path in the list or DATASET.DATA_DIR.`,
      { file, list: entry.list, line: entry.line, reason: code },
      { cause: err },
    );
  }
}

type Decoders = {
  image: (bytes: Uint8Array) => RgbImage | Promise<RgbImage>;
  label: (bytes: Uint8Array) => LabelImage | Promise<LabelImage>;
};

const JS_DECODERS: Decoders = { image: decodeImage, label: decodeLabel };
const SHARP_DECODERS: Decoders = { image: decodeImageSharp, label: decodeLabelSharp };

function decodeError(kind: "image" | "label", file: string, entry: FileListEntry, err: unknown): DataError {
  const reason = err instanceof Error ? err.message : String(err);
  const what = kind === "image" ? "Replace the file or remove its line from the list." : "";
  return new DataError(
    `Cannot decode ${kind} ${file}${where(entry.list, entry.line)}: ${reason}.${what ? ` ${what}` : ""}`,
    { file, list: entry.list, line: entry.line, reason },
    { cause: err },
  );
}

/** Loads sample `entry` from disk with the pure-JS decoders; throws DataError. */
export function loadSample(entry: FileListEntry, numClasses: number, ignoreIndex: number): DecodedSample {
  const imageBytes = readBytes(entry.image, "image", entry);
  let image;
  try {
    image = decodeImage(imageBytes);
  } catch (err) {
    throw decodeError("image", entry.image, entry, err);
  }
  const labelBytes = readBytes(entry.label, "label", entry);
  let label;
  try {
    label = decodeLabel(labelBytes);
  } catch (err) {
    throw decodeError("label", entry.label, entry, err);
  }
  return checkSample(entry, image, label, numClasses, ignoreIndex);
}

/**
 * Loads sample `entry` with the given decoder ("sharp": native, off the JS thread; "js": the
 * pure-JS decoders); rejects with the same DataErrors as loadSample.
 */
export async function loadSampleAsync(
  entry: FileListEntry,
  numClasses: number,
  ignoreIndex: number,
  decoder: DecoderKind,
): Promise<DecodedSample> {
  const dec = decoder === "sharp" ? SHARP_DECODERS : JS_DECODERS;
  const imageBytes = readBytes(entry.image, "image", entry);
  let image;
  try {
    image = await dec.image(imageBytes);
  } catch (err) {
    throw decodeError("image", entry.image, entry, err);
  }
  const labelBytes = readBytes(entry.label, "label", entry);
  let label;
  try {
    label = await dec.label(labelBytes);
  } catch (err) {
    throw decodeError("label", entry.label, entry, err);
  }
  return checkSample(entry, image, label, numClasses, ignoreIndex);
}

function checkSample(
  entry: FileListEntry,
  image: RgbImage,
  label: LabelImage,
  numClasses: number,
  ignoreIndex: number,
): DecodedSample {
  const ctx = { list: entry.list, line: entry.line };
  if (label.width !== image.width || label.height !== image.height) {
    throw new DataError(
      `Image and label differ in size${where(entry.list, entry.line)}: ${entry.image} is ` +
        `${image.width}x${image.height}, ${entry.label} is ${label.width}x${label.height}. ` +
        `A label must match its image pixel for pixel.`,
      { file: entry.label, ...ctx, reason: "size mismatch" },
    );
  }
  const ids = label.data;
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    if (v >= numClasses && v !== ignoreIndex) {
      throw new DataError(
        `Label ${entry.label}${where(entry.list, entry.line)} holds class id ${v} at pixel ` +
          `(${i % label.width}, ${Math.floor(i / label.width)}), but DATASET.NUM_CLASSES is ${numClasses} ` +
          `and DATASET.IGNORE_INDEX is ${ignoreIndex}. Fix NUM_CLASSES / IGNORE_INDEX or the label.`,
        { file: entry.label, ...ctx, reason: "class id out of range" },
      );
    }
  }
  return { width: image.width, height: image.height, image: image.data, label: ids };
}
