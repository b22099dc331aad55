// End-to-end: `segnas train-arch` as a real process (the built CLI: `npx tsc -b` first), on a
// tiny synthetic dataset (16x16 images, 2 classes) with the smallest architecture on cpu.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ensureSyntheticDataset } from "@segnas/trainer";
import { runCli, type CliResult } from "./helpers";

jest.setTimeout(120_000);

let tmp: string;
let cfg: string;

const segnas = (args: string[], env: Record<string, string> = {}): CliResult =>
  runCli(["train-arch", ...args], { timeout: 110_000, env });

function tinyYaml(dataDir: string): string {
  return [
    "EVAL_CROP_SIZE: (16, 16)",
    "TRAIN_CROP_SIZE: (16, 16)",
    "AUG:",
    "    AUG_METHOD: unpadding",
    "    FIX_RESIZE_SIZE: (16, 16)",
    "BATCH_SIZE: 4",
    "DATASET:",
    `    DATA_DIR: "${dataDir}"`,
    `    TRAIN_FILE_LIST: "${dataDir}/train.list"`,
    `    VAL_FILE_LIST: "${dataDir}/val.list"`,
    "    NUM_CLASSES: 2",
    "MODEL:",
    "    DEEPLAB:",
    "        ENCODER_WITH_ASPP: False",
    "        ENABLE_DECODER: False",
    "SOLVER:",
    "    LR: 0.01",
    "    NUM_EPOCHS: 2",
    "SEGNAS:",
    "    BACKEND: cpu",
    "",
  ].join("\n");
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "segnas-train-arch-"));
  const ds = await ensureSyntheticDataset(path.join(tmp, "synthetic-tiny"), {
    classes: 2,
    train: 16,
    val: 8,
    width: 16,
    height: 16,
    seed: 3,
  });
  cfg = path.join(tmp, "tiny.yaml");
  fs.writeFileSync(cfg, tinyYaml(ds.dir));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("segnas train-arch", () => {
  it("--json trains in a child process and prints one JSON object; files land in --out", () => {
    const out = path.join(tmp, "trial");
    const r = segnas(["--cfg", cfg, "--tokens", "min", "--json", "--out", out, "SOLVER.NUM_EPOCHS", "2"]);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      status: "completed",
      backend: "cpu",
      tokens: new Array(25).fill(0),
      trialDir: out,
    });
    expect(j.curve).toHaveLength(2);
    expect(j.curve[0]).toEqual(
      expect.objectContaining({ epoch: 1, miou: expect.any(Number), loss: expect.any(Number) }),
    );
    expect(j.reward).toBe(Math.max(...j.curve.map((e: { miou: number }) => e.miou)));
    expect(j.params).toBeGreaterThan(0);
    expect(j.flops).toBeGreaterThan(0);
    for (const f of ["metrics.json", "arch.json", "model"])
      expect(fs.existsSync(path.join(out, f))).toBe(true);
  });

  it("prints params, FLOPs, the per-epoch table and the reward for humans", () => {
    const r = segnas([
      "--cfg",
      cfg,
      "--tokens",
      "min",
      "--out",
      path.join(tmp, "human"),
      "SOLVER.NUM_EPOCHS",
      "1",
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^params\s+[\d,]+$/m);
    expect(r.stdout).toMatch(/^FLOPs\s+\d+ \(.*FLOPs\) per image at 16x16$/m);
    expect(r.stdout).toMatch(/epoch\s+loss\s+mIoU/);
    expect(r.stdout).toMatch(/^reward\s+\d\.\d{4} \(best mIoU, epoch 1\)$/m);
  });

  it("a crashed training process is a failed trial: error code and exit status 7", () => {
    const r = segnas(["--cfg", cfg, "--tokens", "min", "--json", "--out", path.join(tmp, "crash")], {
      SEGNAS_TRIAL_TEST_HOOK: "exit:137@1",
    });
    expect(r.status).toBe(7);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ status: "failed", code: "SEGNAS_E_TRAINING", reward: null });
    expect(j.reason).toMatch(/code 137/);
  });

  it("an unknown override key is a config error (exit 2), no stack trace", () => {
    const r = segnas(["--cfg", cfg, "SOLVER.NO_SUCH_KEY", "1"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error \[SEGNAS_E_CONFIG_UNKNOWN_KEY\]: .*SOLVER\.NO_SUCH_KEY/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("builds a synthetic dataset on first use (DATA_DIR named synthetic-*)", () => {
    const dir = path.join(tmp, "synthetic-fresh");
    const r = segnas([
      "--cfg", cfg, "--tokens", "min", "--json", "--out", path.join(tmp, "fresh"),
      "DATASET.DATA_DIR", dir,
      "DATASET.TRAIN_FILE_LIST", path.join(dir, "train.list"),
      "DATASET.VAL_FILE_LIST", path.join(dir, "val.list"),
      "SOLVER.NUM_EPOCHS", "1",
    ]); // prettier-ignore
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).status).toBe("completed");
    expect(fs.existsSync(path.join(dir, "synthetic.json"))).toBe(true);
  });
});
