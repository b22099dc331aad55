// End-to-end: a real two-trial search (`segnas train`, controller + worker in one process, cpu),
// then `segnas export`: the exported GraphModel loads in a fresh Node process that reaches only
// @tensorflow/tfjs and predicts what segnas predicts on a dataset image; the exported
// train-arch.yaml trains the same architecture again (same params, FLOPs and reward).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { decodeImage, ensureSyntheticDataset, loadModel, tf } from "@segnas/trainer";
import { freePort } from "./dist-helpers";
import { ROOT, runCli } from "./helpers";

jest.setTimeout(300_000);

let tmp: string;
let cfg: string;
let dataDir: string;
const runDir = () => path.join(tmp, "run");

function tinyYaml(dir: string): string {
  return [
    "EVAL_CROP_SIZE: (32, 24)",
    "TRAIN_CROP_SIZE: (32, 24)",
    "AUG:",
    "    AUG_METHOD: unpadding",
    "    FIX_RESIZE_SIZE: (32, 24)",
    "BATCH_SIZE: 4",
    "DATASET:",
    `    DATA_DIR: "${dir}"`,
    `    TRAIN_FILE_LIST: "${dir}/train.list"`,
    `    VAL_FILE_LIST: "${dir}/val.list"`,
    "    NUM_CLASSES: 3",
    "MODEL:",
    "    DEEPLAB:",
    "        ENCODER_WITH_ASPP: True",
    "        ENABLE_DECODER: True",
    "SOLVER:",
    "    LR: 0.05",
    "    NUM_EPOCHS: 1",
    "SLIM:",
    "    NAS_SEARCH_STEPS: 2",
    "    NAS_SPACE_NAME: MobileNetV2SpaceSeg",
    "SEGNAS:",
    "    BACKEND: cpu",
    "    MAX_FLOPS: 12000000",
    "",
  ].join("\n");
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "segnas-export-"));
  const ds = await ensureSyntheticDataset(path.join(tmp, "data"), {
    classes: 3,
    train: 8,
    val: 4,
    width: 32,
    height: 24,
    seed: 5,
  });
  dataDir = ds.dir;
  cfg = path.join(tmp, "tiny.yaml");
  fs.writeFileSync(cfg, tinyYaml(ds.dir));
  const port = await freePort();
  const r = runCli(
    [
      "train",
      "--cfg",
      cfg,
      "--run-dir",
      runDir(),
      "SLIM.NAS_IS_SERVER",
      "True",
      "SLIM.NAS_ADDRESS",
      "127.0.0.1",
      "SLIM.NAS_PORT",
      String(port),
    ],
    { timeout: 240_000 },
  );
  if (r.status !== 0) throw new Error(`segnas train failed (${r.status}):\n${r.stderr}`);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The first validation image, normalised as the trainer does: (pixel / 255 - mean) / std. */
function sampleImage(mean: number[], std: number[]): { data: Float32Array; height: number; width: number } {
  const first = (fs.readFileSync(path.join(dataDir, "val.list"), "utf8").split("\n")[0] as string).split(
    " ",
  )[0];
  const img = decodeImage(fs.readFileSync(path.join(dataDir, first as string)));
  const data = new Float32Array(img.data.length);
  for (let i = 0; i < data.length; i++)
    data[i] = ((img.data[i] as number) / 255 - (mean[i % 3] as number)) / (std[i % 3] as number);
  return { data, height: img.height, width: img.width };
}

// Runs in a fresh `node` with no NODE_PATH, from a directory outside the repository: the only
// module it is given is @tensorflow/tfjs (by absolute path). It prints the modules it loaded.
const CONSUMER = `
const fs = require("fs");
const path = require("path");
const [tfjsPath, modelDir, inputFile, outFile] = process.argv.slice(2);
const tf = require(tfjsPath);
const json = JSON.parse(fs.readFileSync(path.join(modelDir, "model.json"), "utf8"));
const bin = fs.readFileSync(path.join(modelDir, "weights.bin"));
const model = tf.loadGraphModelSync([json, bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength)]);
const shape = json.signature.inputs.image.tensorShape.dim.map((d) => Number(d.size));
const raw = fs.readFileSync(inputFile);
const x = tf.tensor4d(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)), [1, shape[1], shape[2], 3]);
const y = model.predict(x);
fs.writeFileSync(outFile, Buffer.from(y.dataSync().buffer));
console.log(JSON.stringify({ backend: tf.getBackend(), shape: y.shape, modules: Object.keys(require.cache) }));
`;

describe("segnas export", () => {
  let out: string;
  let info: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

  beforeAll(() => {
    out = path.join(tmp, "export");
    const r = runCli(["export", runDir(), "--out", out, "--json"], { timeout: 120_000 });
    expect(r.stderr).not.toMatch(/error \[/);
    expect(r.status).toBe(0);
    info = JSON.parse(r.stdout) as Record<string, unknown>;
  });

  it("writes arch.json with the trial's architecture, cost, reward, curve and provenance", () => {
    const file = JSON.parse(fs.readFileSync(path.join(out, "arch.json"), "utf8")) as Record<string, unknown>;
    const rows = fs
      .readFileSync(path.join(runDir(), "trials.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { trial: number; reward: number | null; status: string });
    const best = rows
      .filter((r) => r.status === "completed")
      .sort((a, b) => (b.reward ?? 0) - (a.reward ?? 0))[0];
    expect(file.segnas).toMatchObject({ version: expect.any(String), trial: best?.trial, rank: 1 });
    expect(file).toMatchObject({
      space: "MobileNetV2SpaceSeg",
      head: "aspp-decoder",
      classes: 3,
      inputSize: { height: 24, width: 32 },
      reward: best?.reward,
      seed: 0,
      backend: "cpu",
      params: expect.any(Number),
      flops: expect.any(Number),
      normalization: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
    });
    expect((file.tokens as number[]).length).toBe(25);
    expect((file.blocks as unknown[]).length).toBe(7);
    expect((file.curve as unknown[]).length).toBe(1);
    expect(info.model.check.argmaxAgreement).toBe(1);
  });

  it("the model loads in a process that has only @tensorflow/tfjs and predicts what segnas predicts", async () => {
    const { data, height, width } = sampleImage(info.normalization.mean, info.normalization.std);
    expect([height, width]).toEqual([24, 32]);
    const inputFile = path.join(tmp, "input.bin");
    fs.writeFileSync(inputFile, Buffer.from(data.buffer));

    await tf.setBackend("cpu");
    const model = await loadModel(info.model.source as string);
    const want = model.predict(tf.tensor4d(data, [1, height, width, 3]));
    const wantData = want.dataSync() as Float32Array;
    model.dispose();

    const consumerDir = fs.mkdtempSync(path.join(os.tmpdir(), "plain-tfjs-"));
    fs.writeFileSync(path.join(consumerDir, "consumer.js"), CONSUMER);
    const outFile = path.join(consumerDir, "logits.bin");
    const env = { ...process.env };
    delete env.NODE_PATH;
    delete env.NODE_OPTIONS;
    const tfjs = path.join(ROOT, "node_modules", "@tensorflow", "tfjs");
    const r = spawnSync(
      process.execPath,
      ["consumer.js", tfjs, path.join(out, "model"), inputFile, outFile],
      { cwd: consumerDir, encoding: "utf8", env, timeout: 120_000 },
    );
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout.trim().split("\n").pop() as string) as {
      backend: string;
      shape: number[];
      modules: string[];
    };
    expect(report.shape).toEqual([1, 24, 32, 3]);
    // Nothing of segnas was loaded: every module is the script itself or under node_modules, and
    // none of them is a segnas package.
    const foreign = report.modules.filter(
      (m) => m !== path.join(consumerDir, "consumer.js") && !m.includes(`${path.sep}node_modules${path.sep}`),
    );
    expect(foreign).toEqual([]);
    expect(report.modules.filter((m) => /@segnas|[\\/]packages[\\/]/.test(m))).toEqual([]);

    const raw = fs.readFileSync(outFile);
    const got = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    expect(got.length).toBe(wantData.length);
    let maxDiff = 0;
    let argmaxEqual = 0;
    const classes = 3;
    for (let p = 0; p < got.length / classes; p++) {
      let a = 0;
      let b = 0;
      for (let c = 0; c < classes; c++) {
        const i = p * classes + c;
        maxDiff = Math.max(maxDiff, Math.abs((got[i] as number) - (wantData[i] as number)));
        if ((got[i] as number) > (got[p * classes + a] as number)) a = c;
        if ((wantData[i] as number) > (wantData[p * classes + b] as number)) b = c;
      }
      if (a === b) argmaxEqual++;
    }
    process.stdout.write(
      `export: plain-tfjs (${report.backend}) vs segnas logits: max abs diff ${maxDiff.toExponential(2)}, argmax equal on ${argmaxEqual}/${got.length / classes} pixels\n`,
    );
    expect(maxDiff).toBeLessThan(1e-4);
    expect(argmaxEqual).toBe(got.length / classes);
    fs.rmSync(consumerDir, { recursive: true, force: true });
  });

  it("train-arch.yaml trains the same architecture again", () => {
    const r = runCli(["train-arch", "--cfg", path.join(out, "train-arch.yaml"), "--json"], {
      timeout: 120_000,
    });
    expect(r.status).toBe(0);
    const again = JSON.parse(r.stdout) as { tokens: number[]; params: number; flops: number; reward: number };
    expect(again.tokens).toEqual(info.tokens);
    expect(again.params).toBe(info.params);
    expect(again.flops).toBe(info.flops);
    // Same seed, data order and backend: the same training run.
    expect(again.reward).toBeCloseTo(info.reward as number, 6);
    // Its trial directory exports in turn (a directory with arch.json + metrics.json + model/).
    const e = runCli(
      [
        "export",
        (again as unknown as { trialDir: string }).trialDir,
        "--out",
        path.join(tmp, "again"),
        "--json",
      ],
      {
        timeout: 120_000,
      },
    );
    expect(e.status).toBe(0);
    const second = JSON.parse(e.stdout) as {
      tokens: number[];
      reward: number;
      model: { check: { argmaxAgreement: number } };
    };
    expect(second.tokens).toEqual(info.tokens);
    expect(second.reward).toBeCloseTo(info.reward as number, 6);
    expect(second.model.check.argmaxAgreement).toBe(1);
  });

  it("refuses a rank the run does not have, and a directory that is no run, by name", () => {
    const r = runCli(["export", runDir(), "--rank", "9", "--out", path.join(tmp, "x")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/error \[SEGNAS_E_EXPORT\]: --rank 9: the run has only \d completed trial/);
    const n = runCli(["export", tmp, "--out", path.join(tmp, "y")]);
    expect(n.status).toBe(2);
    expect(n.stderr).toMatch(/is not a segnas run directory/);
    // A trial whose model stayed on a remote worker: arch.json is written, the error says where the model is.
    const remote = path.join(tmp, "remote-run");
    fs.mkdirSync(remote, { recursive: true });
    const tokens = Array.from({ length: 25 }, () => 0);
    fs.writeFileSync(
      path.join(remote, "trials.jsonl"),
      `${JSON.stringify({ trial: 1, status: "completed", reward: 0.3, tokens, params: 1, flops: 2, curve: [], host: "gpu7", model: "/nonexistent/trial-0001/model", trialDir: "/nonexistent/trial-0001" })}\n`,
    );
    const m = runCli(["export", remote, "--out", path.join(tmp, "z")]);
    expect(m.status).toBe(2);
    expect(m.stderr).toMatch(/trial 1's model is at gpu7:\/nonexistent\/trial-0001\/model, not on this host/);
    expect(JSON.parse(fs.readFileSync(path.join(tmp, "z", "arch.json"), "utf8"))).toMatchObject({
      tokens,
      reward: 0.3,
      model: null,
    });
  });
});
