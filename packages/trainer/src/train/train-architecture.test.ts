// trainArchitecture in-process with the real model on the cpu backend: it learns, writes its
// files, stops on request and fails cleanly on NaN. Tiny: the smallest architecture on
// synthetic 2-class images.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import pino from "pino";
import { MIN_TOKENS, tinySetup } from "../testing/tiny-setup";
import { trainArchitecture } from "./train-architecture";

jest.setTimeout(120_000);
const logger = pino({ level: "silent" });
let root: string;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "segnas-train-arch-"));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("trainArchitecture", () => {
  it("completes one epoch and writes model/, arch.json and metrics.json", async () => {
    const tiny = await tinySetup(root, { epochs: 1 });
    const trialDir = path.join(root, "files");
    const outcome = await trainArchitecture({ tokens: MIN_TOKENS, config: tiny.config, trialDir, logger });
    expect(outcome.status).toBe("completed");
    for (const f of ["metrics.json", "arch.json", "model/model.json"]) {
      expect(fs.existsSync(path.join(trialDir, f))).toBe(true);
    }
    const metrics = JSON.parse(fs.readFileSync(path.join(trialDir, "metrics.json"), "utf8"));
    expect(metrics).toMatchObject({ status: "completed", backend: "cpu", epochs: 1, stepsDone: 4 });
    expect(metrics.curve).toHaveLength(1);
  });

  it("a huge learning rate makes the loss non-finite: failed, SEGNAS_E_TRAINING, names epoch and step", async () => {
    const tiny = await tinySetup(root, { lr: 1e6 });
    const outcome = await trainArchitecture({
      tokens: MIN_TOKENS,
      config: tiny.config,
      trialDir: null,
      logger,
    });
    expect(outcome.status).toBe("failed");
    if (outcome.status !== "failed") return;
    expect(outcome.code).toBe("SEGNAS_E_TRAINING");
    expect(outcome.reason).toMatch(/^loss became (NaN|Inf) at epoch \d+ step \d+; try a lower SOLVER\.LR$/);
  });

  it("an aborted signal stops after the current step and reports the finished epochs", async () => {
    const tiny = await tinySetup(root, { epochs: 20 });
    const ctl = new AbortController();
    const outcome = await trainArchitecture({
      tokens: MIN_TOKENS,
      config: tiny.config,
      trialDir: null,
      logger,
      signal: ctl.signal,
      onEpoch: (e) => e.epoch === 2 && ctl.abort("enough"),
    });
    expect(outcome).toMatchObject({ status: "stopped", reason: "enough" });
    expect(outcome.status === "stopped" && outcome.curve.length).toBe(2);
  });

  it("a missing dataset is a failed trial with SEGNAS_E_DATA", async () => {
    const tiny = await tinySetup(root);
    const outcome = await trainArchitecture({
      tokens: MIN_TOKENS,
      config: undefined,
      overrides: [...tiny.overrides, "DATASET.TRAIN_FILE_LIST", path.join(root, "nope.list")],
      trialDir: null,
      logger,
    });
    expect(outcome).toMatchObject({ status: "failed", code: "SEGNAS_E_DATA" });
  });
});
