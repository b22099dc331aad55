// runTrial end to end with real child processes (the compiled dist/train/child-entry.js: run
// `npx tsc -b` first). Tiny: 16x16 synthetic images, 2 classes, the smallest architecture, cpu.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { majorityClassBaseline } from "./baseline";
import { describeExit, runTrial, type RunTrialOptions } from "./run-trial";
import { MIN_TOKENS, tinySetup, type TinySetup } from "../testing/tiny-setup";
import type { TrialOutcome } from "./trial-types";

jest.setTimeout(120_000);

let root: string;
let tiny: TinySetup;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "segnas-run-trial-"));
  tiny = await tinySetup(root);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function trial(over: Partial<RunTrialOptions> = {}): Promise<TrialOutcome> {
  return runTrial({ tokens: MIN_TOKENS, config: tiny.config, trialDir: null, ...over });
}

describe("runTrial (child process)", () => {
  it("trains in a child: loss falls, the reward beats the majority class, files are saved", async () => {
    // 32x32: the backbone output is 2x2 (stride 16), enough to localise something.
    const setup = await tinySetup(root, { size: 32, train: 64, val: 32, epochs: 4, lr: 0.05 });
    const baseline = await majorityClassBaseline(setup.config);
    const trialDir = path.join(root, "t1");
    const epochs: number[] = [];
    let backend = "";
    const outcome = await trial({
      config: setup.config,
      trialDir,
      onStarted: (i) => (backend = i.backend),
      onEpoch: (e) => epochs.push(e.epoch),
    });
    expect(outcome.status).toBe("completed");
    if (outcome.status !== "completed") return;
    expect(backend).toBe("cpu");
    expect(epochs).toEqual([1, 2, 3, 4]);
    const losses = outcome.curve.map((r) => r.loss);
    expect(losses[3]).toBeLessThan(losses[0] as number);
    expect(outcome.reward).toBeGreaterThan(baseline.miou + 0.05);
    const metrics = JSON.parse(fs.readFileSync(path.join(trialDir, "metrics.json"), "utf8"));
    expect(metrics).toMatchObject({ status: "completed", reward: outcome.reward, backend: "cpu", epochs: 4 });
    expect(metrics.params).toBeGreaterThan(0);
    expect(metrics.flops).toBeGreaterThan(0);
    expect(JSON.parse(fs.readFileSync(path.join(trialDir, "arch.json"), "utf8")).tokens).toEqual(MIN_TOKENS);
    expect(outcome.modelDir).toBe(path.join(trialDir, "model"));
    expect(fs.existsSync(path.join(trialDir, "model", "model.json"))).toBe(true);
  });

  it("a NaN loss ends the trial as failed with SEGNAS_E_TRAINING", async () => {
    const outcome = await trial({ env: { SEGNAS_TRIAL_TEST_HOOK: "nan@2" } });
    expect(outcome).toMatchObject({
      status: "failed",
      code: "SEGNAS_E_TRAINING",
      reason: "loss became NaN at epoch 1 step 2; try a lower SOLVER.LR",
    });
  });

  it("a child that exits with 137 is a failed trial, and the parent carries on", async () => {
    const outcome = await trial({ env: { SEGNAS_TRIAL_TEST_HOOK: "exit:137@1" } });
    expect(outcome.status).toBe("failed");
    if (outcome.status !== "failed") return;
    expect(outcome.code).toBe("SEGNAS_E_TRAINING");
    expect(outcome.reason).toMatch(/exited with code 137 \(128 \+ SIGKILL: out of memory\?/);
  });

  it("a child killed by SIGKILL or aborting is a failed trial with the signal named", async () => {
    const killed = await trial({ env: { SEGNAS_TRIAL_TEST_HOOK: "signal:SIGKILL@1" } });
    expect(killed).toMatchObject({ status: "failed", code: "SEGNAS_E_TRAINING" });
    expect((killed as { reason: string }).reason).toMatch(
      /^training process killed by SIGKILL \(out of memory\?/,
    );
    const aborted = await trial({ env: { SEGNAS_TRIAL_TEST_HOOK: "abort@1" } });
    expect((aborted as { reason: string }).reason).toMatch(/SIGABRT/);
  });

  it("abort stops the trial gracefully and reports what it has", async () => {
    const ctl = new AbortController();
    const outcome = await trial({
      config: undefined,
      overrides: [...tiny.overrides, "SOLVER.NUM_EPOCHS", "30"],
      signal: ctl.signal,
      onEpoch: () => ctl.abort("the server asked to stop"),
    });
    expect(outcome.status).toBe("stopped");
    if (outcome.status !== "stopped") return;
    expect(outcome.reason).toBe("the server asked to stop");
    expect(outcome.curve.length).toBeGreaterThanOrEqual(1);
    expect(outcome.curve.length).toBeLessThan(30);
    expect(outcome.reward).toBe(Math.max(...outcome.curve.map((r) => r.miou ?? 0)));
  });

  it("a child that ignores the stop is killed after the grace period; the trial is still stopped", async () => {
    const ctl = new AbortController();
    const outcome = await trial({
      overrides: [...tiny.overrides, "SOLVER.NUM_EPOCHS", "1000"],
      config: undefined,
      signal: ctl.signal,
      stopGraceMs: 300,
      env: { SEGNAS_TRIAL_TEST_HOOK: "ignore-stop" },
      onEpoch: () => ctl.abort(),
    });
    expect(outcome.status).toBe("stopped");
    expect((outcome as { reason: string }).reason).toMatch(/^stop requested; .*was killed$/);
  });

  it("timeoutMs stops the trial like an abort, with the limit as the reason", async () => {
    const outcome = await trial({
      config: undefined,
      overrides: [...tiny.overrides, "SOLVER.NUM_EPOCHS", "1000"],
      timeoutMs: 2500,
    });
    expect(outcome).toMatchObject({ status: "stopped", reason: "trial time limit of 2.5 s reached" });
  });

  it("a bad config is a failed trial with the config's error code", async () => {
    const outcome = await trial({ config: undefined, overrides: ["NO.SUCH_KEY", "1"] });
    expect(outcome).toMatchObject({ status: "failed", code: "SEGNAS_E_CONFIG_UNKNOWN_KEY" });
  });
});

describe("describeExit", () => {
  it("names signals, 128+N codes and recognisable stderr", () => {
    expect(describeExit(null, "SIGSEGV")).toMatch(/killed by SIGSEGV \(a segmentation fault/);
    expect(describeExit(134, null)).toMatch(/code 134 \(128 \+ SIGABRT/);
    expect(
      describeExit(
        1,
        null,
        "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n",
      ),
    ).toMatch(/JavaScript heap ran out of memory; last output: FATAL ERROR/);
    expect(describeExit(7, null, "RuntimeError: Aborted(OOM)")).toMatch(/wasm backend aborted/);
  });
});
