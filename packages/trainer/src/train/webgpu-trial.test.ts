// Trials on the webgpu backend in their own child processes (the compiled dist/train/child-entry.js:
// run `npx tsc -b` first), on whatever adapter Dawn finds: Mesa's llvmpipe in CI. Tiny: 32x32
// camvid-mini crops (32 train, 8 val images), the smallest architecture, 4 epochs of 8 steps. In CI (CI=true) a missing adapter
// or a missing camvid-mini fails; elsewhere the tests skip with the reason.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadConfig, type SegConfig } from "@segnas/config";
import { initWebgpu } from "../backend/webgpu";
import { majorityClassBaseline } from "./baseline";
import { runTrial } from "./run-trial";
import { MIN_TOKENS } from "../testing/tiny-setup";

jest.setTimeout(300_000);

const camvid = path.resolve(__dirname, "../../../../../shared/datasets/camvid-mini");
let root: string;
let unavailable: string | undefined;

function camvidConfig(backend: string, lists: { train: string; val: string }): SegConfig {
  // prettier-ignore
  const overrides = [
    "DATASET.DATA_DIR", camvid,
    "DATASET.TRAIN_FILE_LIST", lists.train,
    "DATASET.VAL_FILE_LIST", lists.val,
    "DATASET.NUM_CLASSES", "11",
    "TRAIN_CROP_SIZE", "(32, 32)",
    "EVAL_CROP_SIZE", "(32, 32)",
    "AUG.FIX_RESIZE_SIZE", "(32, 32)",
    "BATCH_SIZE", "4",
    "SOLVER.NUM_EPOCHS", "4",
    "SOLVER.LR", "0.1",
    "MODEL.DEEPLAB.ENCODER_WITH_ASPP", "False",
    "MODEL.DEEPLAB.ENABLE_DECODER", "False",
    "SEGNAS.BACKEND", backend,
  ];
  return loadConfig({ overrides, env: {} }).config;
}

let lists: { train: string; val: string };

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "segnas-webgpu-trial-"));
  const r = await initWebgpu({ allowSoftware: true });
  if (!r.ok) unavailable = r.reason;
  else if (!fs.existsSync(path.join(camvid, "train.list"))) unavailable = `no camvid-mini at ${camvid}`;
  if (unavailable) {
    if (process.env.CI) throw new Error(`webgpu trial tests need: ${unavailable}`);
    console.warn(`skipping webgpu trial tests: ${unavailable}`);
    return;
  }
  const take = (file: string, n: number) =>
    fs.readFileSync(path.join(camvid, file), "utf8").split("\n").filter(Boolean).slice(0, n).join("\n") +
    "\n";
  lists = { train: path.join(root, "train.list"), val: path.join(root, "val.list") };
  fs.writeFileSync(lists.train, take("train.list", 32));
  fs.writeFileSync(lists.val, take("val.list", 8));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("trials on webgpu (child processes)", () => {
  it("train-arch on camvid-mini: completes on webgpu with an mIoU close to wasm's (same seed, tokens)", async () => {
    if (unavailable) return;
    const run = (backend: string) =>
      runTrial({ tokens: MIN_TOKENS, config: camvidConfig(backend, lists), trialDir: null });
    const gpu = await run("webgpu");
    const wasm = await run("wasm");
    expect(gpu).toMatchObject({ status: "completed", backend: "webgpu" });
    expect(wasm).toMatchObject({ status: "completed", backend: "wasm" });
    if (gpu.status !== "completed" || wasm.status !== "completed") return;
    console.log(
      `camvid-mini 32x32, 32 steps: mIoU webgpu ${gpu.reward} vs wasm ${wasm.reward}; loss ${gpu.curve.map((c) => c.loss.toFixed(4))} vs ${wasm.curve.map((c) => c.loss.toFixed(4))}`,
    );
    // Same seed, data order and tokens; float rounding differs, so 32 steps drift apart a little
    // (measured: 0.135 vs 0.113). Both must learn (beat predicting the majority class everywhere).
    const baseline = await majorityClassBaseline(camvidConfig("wasm", lists));
    expect(gpu.reward).toBeGreaterThan(baseline.miou + 0.03);
    expect(wasm.reward).toBeGreaterThan(baseline.miou + 0.03);
    expect(Math.abs(gpu.reward - wasm.reward)).toBeLessThan(0.05);
    const [g1, w1] = [gpu.curve[0]!.loss, wasm.curve[0]!.loss];
    expect(Math.abs(g1 - w1)).toBeLessThan(0.02 * Math.max(1, w1));
  });

  it("a lost device fails the trial with the reason (SEGNAS_E_TRAINING); the parent lives on", async () => {
    if (unavailable) return;
    const outcome = await runTrial({
      tokens: MIN_TOKENS,
      config: camvidConfig("webgpu", lists),
      trialDir: null,
      env: { SEGNAS_TRIAL_TEST_HOOK: "device-lost@1" },
    });
    expect(outcome).toMatchObject({ status: "failed", code: "SEGNAS_E_TRAINING" });
    expect(outcome.status === "failed" && outcome.reason).toMatch(/GPU device was lost/);
  });

  it("no adapter: --backend webgpu fails the trial with SEGNAS_E_BACKEND naming the adapters Dawn has", async () => {
    if (unavailable) return;
    const outcome = await runTrial({
      tokens: MIN_TOKENS,
      config: camvidConfig("webgpu", lists),
      trialDir: null,
      env: { SEGNAS_WEBGPU_FLAGS: "adapter=no-such-gpu" },
    });
    expect(outcome).toMatchObject({ status: "failed", code: "SEGNAS_E_BACKEND" });
    expect(outcome.status === "failed" && outcome.reason).toMatch(/webgpu: .*no adapter/i);
  });
});
