/**
 * The first-run story of issue 10, as a user meets it, with the PaddleSeg command line:
 * no dataset on disk -> the command stops at once (non-zero, the path and the key, nothing
 * written); a search whose every trial fails exits non-zero; running it again says the study is
 * finished and how to go on, and each way on (--retry-failed, more SLIM.NAS_SEARCH_STEPS) works;
 * a broken worker never consumes architectures and stops with its reason.
 */
import * as fs from "fs";
import * as path from "path";
import { ERROR_CODES } from "@segnas/core";
import { killAll, readJournal, tmpRunDir } from "./dist-helpers";
import { ROOT, runCli } from "./helpers";

jest.setTimeout(180_000);
afterAll(killAll); // removes the temporary run directories

const CFG = path.join(ROOT, "configs", "cityscapes.yaml");

/** PaddleSeg's NAS command line (server + worker in one process), on a free loopback port. */
function train(runDir: string, overrides: string[], env: Record<string, string> = {}, flags: string[] = []) {
  return runCli(
    [
      "train",
      "--log_steps",
      "10",
      "--cfg",
      CFG,
      "--use_gpu",
      "--run-dir",
      runDir,
      ...flags,
      "SLIM.NAS_PORT",
      "0",
      "SLIM.NAS_ADDRESS",
      "127.0.0.1",
      "SLIM.NAS_START_EVAL_EPOCH",
      "-1",
      "SLIM.NAS_IS_SERVER",
      "True",
      "SLIM.NAS_SPACE_NAME",
      "MobileNetV2SpaceSeg",
      "SOLVER.NUM_EPOCHS",
      "1",
      ...overrides,
    ],
    { timeout: 120_000, env },
  );
}

const FAKE = { SEGNAS_FAKE_TRAINER: "1" };

describe("first run (issue 10)", () => {
  it("no dataset on disk: exits at once with the path and the key to fix, and writes nothing", () => {
    const runDir = path.join(tmpRunDir("first-run"), "run");
    const r = train(runDir, ["SLIM.NAS_SEARCH_STEPS", "2"]);
    expect(r.status).toBe(ERROR_CODES.SEGNAS_E_DATA.exitCode);
    expect(r.stderr).toMatch(
      /error \[SEGNAS_E_DATA\]: preflight: Cannot read the file list .*dataset\/cityscapes\/train\.list: no such file.*DATASET\.TRAIN_FILE_LIST/,
    );
    expect(r.stdout).not.toMatch(/listening/);
    expect(fs.existsSync(runDir)).toBe(false);
  });

  it("a search with no completed trial fails; the rerun says so and how to go on; each way on works", () => {
    const runDir = path.join(tmpRunDir("first-run"), "run");
    const failing = train(runDir, ["SLIM.NAS_SEARCH_STEPS", "2"], {
      ...FAKE,
      SEGNAS_FAKE_FAIL: "architecture",
    });
    expect(failing.stderr).toMatch(
      /error \[SEGNAS_E_SEARCH_FAILED\]: the search ended without a completed trial/,
    );
    expect(failing.status).toBe(ERROR_CODES.SEGNAS_E_SEARCH_FAILED.exitCode);

    // The same command again: finished at once, with the ways on; no worker retrying a gone server.
    const again = train(runDir, ["SLIM.NAS_SEARCH_STEPS", "2"], FAKE);
    expect(again.status).toBe(ERROR_CODES.SEGNAS_E_SEARCH_FAILED.exitCode);
    const out = again.stdout + again.stderr;
    expect(out).toMatch(
      /already finished .*raise SLIM\.NAS_SEARCH_STEPS .*--retry-failed .*new run directory/,
    );
    expect(out).not.toMatch(/not reachable|MaxListenersExceededWarning|SEGNAS_E_CONNECT/);

    // --retry-failed: the failed architectures are handed out again and now complete.
    const retried = train(runDir, ["SLIM.NAS_SEARCH_STEPS", "2"], FAKE, ["--retry-failed"]);
    expect(retried.stderr).not.toMatch(/error \[/);
    expect(retried.status).toBe(0);
    expect(retried.stdout).toMatch(/search finished: all 2 search steps have a reward/);
    const failedIds = readJournal(runDir)
      .filter((e) => e.type === "trial-failed")
      .map((e) => e.trialId);
    const completedIds = readJournal(runDir)
      .filter((e) => e.type === "trial-completed")
      .map((e) => e.trialId);
    expect(completedIds).toEqual(failedIds.slice(0, 2));

    // More SLIM.NAS_SEARCH_STEPS: the study goes on to the new total.
    const more = train(runDir, ["SLIM.NAS_SEARCH_STEPS", "4"], FAKE);
    expect(more.status).toBe(0);
    expect(more.stdout).toMatch(/search finished: all 4 search steps have a reward/);
    expect(readJournal(runDir).filter((e) => e.type === "trial-completed")).toHaveLength(4);
  });

  it("a broken worker gives its trials back, is not counted against the search, and stops with its reason", () => {
    const runDir = path.join(tmpRunDir("first-run"), "run");
    const r = train(runDir, ["SLIM.NAS_SEARCH_STEPS", "2", "SEGNAS.WORKER_MAX_FAILURES", "2"], {
      ...FAKE,
      SEGNAS_FAKE_FAIL: "worker",
    });
    expect(r.status).toBe(ERROR_CODES.SEGNAS_E_WORKER_FAILED.exitCode);
    expect(r.stderr).toMatch(
      /error \[SEGNAS_E_WORKER_FAILED\]: worker .* 2 trial\(s\) in a row failed for reasons of this worker/,
    );
    const events = readJournal(runDir);
    expect(events.filter((e) => e.type === "trial-failed")).toHaveLength(0);
    const requeued = events.filter((e) => e.type === "trial-requeued");
    expect(requeued).toHaveLength(2);
    for (const e of requeued) expect(e).toMatchObject({ reason: "worker-failed", trialId: 1 });
  });
});
