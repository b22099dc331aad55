import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadConfig } from "@segnas/config";
import { ensureSyntheticDataset } from "../data";
import { failureFault } from "./fault";
import { preflightTraining } from "./preflight";

let dir: string;
let data: Awaited<ReturnType<typeof ensureSyntheticDataset>>;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "segnas-preflight-"));
  data = await ensureSyntheticDataset(path.join(dir, "synthetic"), {
    classes: 3,
    train: 4,
    val: 2,
    width: 16,
    height: 16,
  });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function cfg(extra: string[] = []) {
  return loadConfig({
    overrides: [
      "DATASET.DATA_DIR",
      data.dir,
      "DATASET.TRAIN_FILE_LIST",
      data.trainList,
      "DATASET.VAL_FILE_LIST",
      data.valList,
      "DATASET.NUM_CLASSES",
      "3",
      "BATCH_SIZE",
      "2",
      ...extra,
    ],
  }).config;
}

describe("preflightTraining (data)", () => {
  it("passes on a good dataset and counts its samples", async () => {
    await expect(preflightTraining(cfg(), { skipBackend: true })).resolves.toEqual({
      trainSamples: 4,
      valSamples: 2,
    });
  });

  it("a missing file list names the path and the key", async () => {
    await expect(
      preflightTraining(cfg(["DATASET.TRAIN_FILE_LIST", path.join(dir, "nope.list")]), { skipBackend: true }),
    ).rejects.toMatchObject({
      code: "SEGNAS_E_DATA",
      message: expect.stringMatching(
        /nope\.list: no such file.*config key: DATASET\.TRAIN_FILE_LIST/,
      ) as string,
    });
  });

  it("labels out of range (NUM_CLASSES too small) are found in the first sample", async () => {
    await expect(
      preflightTraining(cfg(["DATASET.NUM_CLASSES", "1"]), { skipBackend: true }),
    ).rejects.toMatchObject({
      code: "SEGNAS_E_DATA",
      message: expect.stringMatching(/class id \d+ .*NUM_CLASSES is 1/) as string,
    });
  });

  it("a corrupt last image of the val list is found", async () => {
    const lines = fs.readFileSync(data.valList, "utf8").trim().split("\n");
    const last = (lines.at(-1) as string).split(/\s+/)[0] as string;
    const copy = path.join(dir, "val-broken.list");
    const broken = path.join(dir, "broken.png");
    fs.writeFileSync(broken, "not a png");
    lines[lines.length - 1] = `${broken} ${(lines.at(-1) as string).split(/\s+/)[1]}`;
    fs.writeFileSync(copy, lines.join("\n"));
    expect(last).not.toBe(broken);
    await expect(
      preflightTraining(cfg(["DATASET.VAL_FILE_LIST", copy]), { skipBackend: true }),
    ).rejects.toMatchObject({
      code: "SEGNAS_E_DATA",
      message: expect.stringMatching(/broken\.png.*config key: DATASET\.VAL_FILE_LIST/) as string,
    });
  });

  it("fewer train samples than one batch", async () => {
    await expect(preflightTraining(cfg(["BATCH_SIZE", "8"]), { skipBackend: true })).rejects.toMatchObject({
      code: "SEGNAS_E_DATA",
      message: expect.stringMatching(/fewer than one batch of 8: lower BATCH_SIZE/) as string,
    });
  });
});

describe("failureFault", () => {
  it.each([
    ["SEGNAS_E_DATA", "Cannot read the file list", "worker"],
    ["SEGNAS_E_BACKEND", "no usable backend", "worker"],
    ["SEGNAS_E_TRAINING", "ENOSPC: no space left on device, write", "worker"],
    ["SEGNAS_E_TRAINING", "training process killed by SIGTERM (terminated from outside)", "worker"],
    ["SEGNAS_E_TRAINING", "loss is NaN at epoch 1 step 3", "architecture"],
    ["SEGNAS_E_TRAINING", "training process killed by SIGKILL (out of memory? ...)", "architecture"],
    ["SEGNAS_E_MODEL", "shape mismatch in block 3", "architecture"],
  ])("%s %p -> %s", (code, reason, fault) => {
    expect(failureFault(code, reason)).toBe(fault);
  });
});
