/**
 * exportModel: a saved segnas model directory -> a standard tfjs GraphModel directory
 * (model.json + weights.bin) that plain @tensorflow/tfjs loads, checked before it returns: the
 * written files are read back, loaded with tfjs-converter's stock loader and run on a sample
 * input next to SegModel.predict; the largest logit difference and the argmax agreement are
 * reported (and the export refused when they disagree).
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { Rng } from "@segnas/core";
import { loadGraphModelSync } from "@tensorflow/tfjs-converter";
import { tf } from "../backend/tf";
import { ModelError } from "./errors";
import { GRAPH_WEIGHTS_FILE, graphModelArtifacts, type GraphModelJson } from "./export-graph";
import { loadModel } from "./save-load";
import type { SegModel } from "./seg-model";

export interface ExportModelOptions {
  /** A directory written by SegModel.save (model.json + weights.bin in segnas' format). */
  readonly modelDir: string;
  /** Where the GraphModel goes (created). */
  readonly outDir: string;
  readonly height: number;
  readonly width: number;
  readonly metadata?: Record<string, unknown>;
  readonly generatedBy?: string;
  /** Normalised [1, H, W, 3] input for the check; default a seeded uniform [-1, 1] image. */
  readonly sample?: Float32Array;
}

export interface ExportCheck {
  /** max |graph logits - segnas logits| on the sample. */
  readonly maxAbsDiff: number;
  /** max |segnas logits|, for scale. */
  readonly maxAbsLogit: number;
  /** Fraction of pixels whose argmax class agrees. */
  readonly argmaxAgreement: number;
  readonly backend: string;
}

export interface ExportModelResult {
  readonly files: { name: string; bytes: number }[];
  readonly check: ExportCheck;
  readonly classes: number;
}

function sampleInput(height: number, width: number): Float32Array {
  const rng = Rng.fromSeed(12345);
  const v = new Float32Array(height * width * 3);
  for (let i = 0; i < v.length; i++) v[i] = 2 * rng.next() - 1;
  return v;
}

/**
 * Runs the GraphModel (model.json object + weight bytes) and the SegModel on the same input. The
 * three figures are read asynchronously, so the check runs on every backend, webgpu included.
 */
export async function compareGraphModel(
  model: SegModel,
  json: GraphModelJson,
  weights: Buffer,
  input: Float32Array,
  height: number,
  width: number,
): Promise<ExportCheck> {
  const bin = weights.buffer.slice(
    weights.byteOffset,
    weights.byteOffset + weights.byteLength,
  ) as ArrayBuffer;
  const graph = loadGraphModelSync([json as unknown as tf.io.ModelJSON, bin]);
  try {
    const figures = tf.tidy(() => {
      const x = tf.tensor4d(input, [1, height, width, 3]);
      const want = model.predict(x);
      const got = graph.predict(x) as tf.Tensor4D;
      if (got.shape.join() !== want.shape.join()) {
        throw new ModelError(
          `the exported model gives [${got.shape.join(", ")}], segnas [${want.shape.join(", ")}]`,
        );
      }
      return tf.stack([
        tf.max(tf.abs(tf.sub(got, want))),
        tf.max(tf.abs(want)),
        tf.mean(tf.cast(tf.equal(tf.argMax(got, 3), tf.argMax(want, 3)), "float32")),
      ]);
    });
    let values: Float32Array;
    try {
      values = (await figures.data()) as Float32Array;
    } finally {
      figures.dispose();
    }
    return {
      maxAbsDiff: values[0] as number,
      maxAbsLogit: values[1] as number,
      argmaxAgreement: values[2] as number,
      backend: tf.getBackend(),
    };
  } finally {
    graph.dispose();
  }
}

export async function exportModel(opts: ExportModelOptions): Promise<ExportModelResult> {
  const { height, width } = opts;
  const model = await loadModel(opts.modelDir);
  try {
    const { json, weights } = await graphModelArtifacts(model, {
      height,
      width,
      ...(opts.metadata ? { metadata: opts.metadata } : {}),
      ...(opts.generatedBy ? { generatedBy: opts.generatedBy } : {}),
    });
    await fs.mkdir(opts.outDir, { recursive: true });
    const jsonText = JSON.stringify(json);
    await fs.writeFile(path.join(opts.outDir, GRAPH_WEIGHTS_FILE), weights);
    const tmp = path.join(opts.outDir, `model.json.${process.pid}.tmp`);
    await fs.writeFile(tmp, jsonText);
    await fs.rename(tmp, path.join(opts.outDir, "model.json"));

    // Check what is on disk, not what is in memory.
    const back = JSON.parse(
      await fs.readFile(path.join(opts.outDir, "model.json"), "utf8"),
    ) as GraphModelJson;
    const backWeights = await fs.readFile(path.join(opts.outDir, GRAPH_WEIGHTS_FILE));
    const input = opts.sample ?? sampleInput(height, width);
    if (input.length !== height * width * 3) {
      throw new ModelError(`the check input has ${input.length} values, expected ${height}x${width}x3`);
    }
    const check = await compareGraphModel(model, back, backWeights, input, height, width);
    const tolerance = 1e-3 * Math.max(1, check.maxAbsLogit);
    if (!(check.maxAbsDiff <= tolerance)) {
      throw new ModelError(
        `the exported model does not reproduce segnas' logits (max abs diff ${check.maxAbsDiff}, tolerance ${tolerance}): please report this`,
        { ...check },
      );
    }
    return {
      files: [
        { name: "model.json", bytes: Buffer.byteLength(jsonText) },
        { name: GRAPH_WEIGHTS_FILE, bytes: weights.length },
      ],
      check,
      classes: model.classes,
    };
  } finally {
    model.dispose();
  }
}
