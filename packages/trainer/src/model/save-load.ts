/**
 * Saving and loading in the tfjs file layout: `model.json` holds the topology and a
 * weightsManifest, `weights.bin` the float32 values in manifest order. The topology is our own
 * JSON: the decoded architecture, head and class count (enough to rebuild the network).
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { DeepLabHead, MobileNetV2SegArch } from "@segnas/core";
import { ModelError } from "./errors";
import { buildModel, type NamedWeights, type SegModel } from "./seg-model";

export const MODEL_FORMAT = "segnas-deeplab-mobilenetv2";
export const MODEL_FORMAT_VERSION = 1;
const WEIGHTS_FILE = "weights.bin";

interface WeightEntry {
  name: string;
  shape: number[];
  dtype: "float32";
}

export interface ModelJson {
  format: string;
  generatedBy: string;
  convertedBy: null;
  modelTopology: {
    segnas: {
      formatVersion: number;
      arch: MobileNetV2SegArch;
      head: DeepLabHead;
      classes: number;
      bnEpsilon: number;
    };
  };
  weightsManifest: { paths: string[]; weights: WeightEntry[] }[];
}

export async function saveModel(model: SegModel, dir: string): Promise<void> {
  const weights = await model.readWeights();
  const specs = model.weightSpecs();
  const total = specs.reduce((a, s) => a + (weights[s.name] as Float32Array).length, 0);
  const bin = new Float32Array(total);
  let off = 0;
  for (const s of specs) {
    const v = weights[s.name] as Float32Array;
    bin.set(v, off);
    off += v.length;
  }
  const json: ModelJson = {
    format: MODEL_FORMAT,
    generatedBy: "segnas",
    convertedBy: null,
    modelTopology: {
      segnas: {
        formatVersion: MODEL_FORMAT_VERSION,
        arch: model.arch,
        head: model.head,
        classes: model.classes,
        bnEpsilon: 1e-5,
      },
    },
    weightsManifest: [
      {
        paths: [WEIGHTS_FILE],
        weights: specs.map((s) => ({ name: s.name, shape: s.shape, dtype: "float32" })),
      },
    ],
  };
  await fs.mkdir(dir, { recursive: true });
  // Write the weights first and the manifest last (atomically), so a model.json always has its weights.
  await fs.writeFile(path.join(dir, WEIGHTS_FILE), Buffer.from(bin.buffer, bin.byteOffset, bin.byteLength));
  const tmp = path.join(dir, `model.json.${process.pid}.tmp`);
  await fs.writeFile(tmp, JSON.stringify(json, null, 1));
  await fs.rename(tmp, path.join(dir, "model.json"));
}

async function readFile(file: string, what: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    throw new ModelError(`cannot read the ${what} ${file}: ${(err as Error).message}`, { file });
  }
}

/** Loads a model saved by SegModel.save (on the current backend). */
export async function loadModel(dir: string): Promise<SegModel> {
  const jsonFile = path.join(dir, "model.json");
  let json: ModelJson;
  try {
    json = JSON.parse((await readFile(jsonFile, "model file")).toString("utf8")) as ModelJson;
  } catch (err) {
    if (err instanceof ModelError) throw err;
    throw new ModelError(`${jsonFile} is not valid JSON: ${(err as Error).message}`, { file: jsonFile });
  }
  const topo = json?.modelTopology?.segnas;
  if (json?.format !== MODEL_FORMAT || !topo || topo.formatVersion !== MODEL_FORMAT_VERSION) {
    throw new ModelError(
      `${jsonFile} is not a segnas model (format ${JSON.stringify(json?.format)}, expected ${MODEL_FORMAT} v${MODEL_FORMAT_VERSION})`,
      {
        file: jsonFile,
      },
    );
  }
  const groups = Array.isArray(json.weightsManifest) ? json.weightsManifest : [];
  const weights: NamedWeights = {};
  for (const g of groups) {
    const bufs = await Promise.all(g.paths.map((p) => readFile(path.join(dir, p), "weights file")));
    const all = Buffer.concat(bufs);
    const need = g.weights.reduce((a, w) => a + 4 * w.shape.reduce((x, y) => x * y, 1), 0);
    if (all.length !== need) {
      throw new ModelError(
        `${g.paths.join(", ")} in ${dir} has ${all.length} bytes, the manifest needs ${need}: the files are truncated or from another model`,
        {
          dir,
        },
      );
    }
    const values = new Float32Array(all.buffer.slice(all.byteOffset, all.byteOffset + all.length));
    let off = 0;
    for (const w of g.weights) {
      const n = w.shape.reduce((x, y) => x * y, 1);
      weights[w.name] = values.slice(off, off + n);
      off += n;
    }
  }
  const model = buildModel(topo.arch, { classes: topo.classes, head: topo.head });
  try {
    model.setWeights(weights);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}
