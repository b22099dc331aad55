// End-to-end: the live status block on a real terminal. `segnas demo` and `segnas train` run
// inside tmux (a private tmux server, 120x40) with the fake trainer; the pane is captured while
// they run: the block appears under the log, its numbers update, and it is gone when the command
// ends. Without a TTY (a pipe) the output has no escape sequences at all.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { freePort } from "./dist-helpers";
import { BIN, ROOT, runCli } from "./helpers";

jest.setTimeout(180_000);

const hasTmux = spawnSync("tmux", ["-V"], { encoding: "utf8" }).status === 0;
if (!hasTmux && process.env.CI) {
  throw new Error("tmux is not installed: CI installs it from .ci/apt/export.txt");
}
if (!hasTmux) process.stdout.write("live-status e2e skipped: tmux is not installed (apt-get install tmux)\n");
const maybe = hasTmux ? describe : describe.skip;

const SOCKET = `segnas-live-${process.pid}`;
const tmux = (...args: string[]) =>
  spawnSync("tmux", ["-L", SOCKET, ...args], { encoding: "utf8", timeout: 10_000 });
const capture = (session: string): string => tmux("capture-pane", "-p", "-t", session).stdout ?? "";

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "segnas-live-"));
});
afterAll(() => {
  if (hasTmux) tmux("kill-server");
  fs.rmSync(tmp, { recursive: true, force: true });
});

const FAKE = "SEGNAS_FAKE_TRAINER=1 SEGNAS_FAKE_EPOCH_MS=500";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls the pane until `pred` holds (or fails with the last capture). */
async function waitPane(session: string, pred: (text: string) => boolean, what: string, ms = 90_000) {
  const end = Date.now() + ms;
  let text = "";
  while (Date.now() < end) {
    text = capture(session);
    if (pred(text)) return text;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}; the pane shows:\n${text}`);
}

/** The "trials [###...] N/M" figure of the block in a capture, or null. */
function trialsDone(text: string): number | null {
  const m = /trials \[[#.]+\] (\d+)\/\d+/.exec(text);
  return m ? Number(m[1]) : null;
}

async function watch(session: string, command: string, header: RegExp): Promise<string[]> {
  const shown: string[] = [];
  tmux(
    "new-session",
    "-d",
    "-s",
    session,
    "-x",
    "120",
    "-y",
    "40",
    `cd ${ROOT} && ${command}; echo EXIT-$?; sleep 120`,
  );
  // The block appears, with a worker line that shows a trial and an epoch.
  const first = await waitPane(
    session,
    (t) => header.test(t) && /trial \d+\s+epoch \d+\/3 \[[#.]+\]\s+ETA/.test(t),
    "the status block with a worker's trial and epoch",
  );
  shown.push(first);
  // It updates in place: more trials done, and still exactly one block on the screen.
  const later = await waitPane(
    session,
    (t) => (trialsDone(t) ?? -1) > (trialsDone(first) ?? 0) && header.test(t),
    "the block to update",
  );
  shown.push(later);
  expect(later.match(new RegExp(header.source, "g"))?.length).toBe(1);
  const end = await waitPane(session, (t) => /EXIT-\d+/.test(t), "the command to end");
  shown.push(end);
  expect(end).toMatch(/EXIT-0/);
  // Restored: the block is erased, the results are printed as plain lines.
  expect(end).not.toMatch(header);
  expect(end).toMatch(/best model /);
  return shown;
}

maybe("the live status block in a terminal (tmux)", () => {
  it("segnas demo (npm start) shows trials / budget, best, and each worker's trial, epoch and ETA", async () => {
    const shown = await watch(
      "demo",
      `${FAKE} node ${BIN} demo --run-dir ${tmp}/demo SLIM.NAS_SEARCH_STEPS 6 SOLVER.NUM_EPOCHS 3`,
      /── segnas demo · /,
    );
    process.stdout.write(
      `live-status: tmux showed (demo, mid-run):\n${shown[1]?.trim().split("\n").slice(-4).join("\n")}\n`,
    );
    // Log lines scroll above the block.
    expect(shown[1]).toMatch(/worker-\d \| .*trial \d+/);
    expect(shown[1]).toMatch(/best 0\.\d{4} \(trial \d+\)/);
  });

  it("segnas train (controller + worker in one process) shows its own worker's epochs", async () => {
    const shown = await watch(
      "train",
      `${FAKE} node ${BIN} train --cfg configs/demo.yaml --run-dir ${tmp}/train SLIM.NAS_IS_SERVER True SLIM.NAS_ADDRESS 127.0.0.1 SLIM.NAS_PORT 0 SLIM.NAS_SEARCH_STEPS 4 SOLVER.NUM_EPOCHS 3`,
      /── segnas train · /,
    );
    expect(shown[0]).toMatch(/ fake/);
  });
});

maybe("Ctrl-C", () => {
  it("erases the block and leaves plain log lines", async () => {
    tmux(
      "new-session",
      "-d",
      "-s",
      "sigint",
      "-x",
      "120",
      "-y",
      "40",
      `cd ${ROOT} && ${FAKE} node ${BIN} demo --run-dir ${tmp}/sigint SLIM.NAS_SEARCH_STEPS 40 SOLVER.NUM_EPOCHS 3; echo EXIT-$?; sleep 120`,
    );
    await waitPane("sigint", (t) => /── segnas demo · /.test(t) && /trial \d+\s+epoch/.test(t), "the block");
    tmux("send-keys", "-t", "sigint", "C-c");
    const end = await waitPane("sigint", (t) => /EXIT-\d+/.test(t), "the demo to stop");
    expect(end).toMatch(/EXIT-130/);
    expect(end).not.toMatch(/── segnas demo/);
    expect(end).toMatch(/SIGINT: stopping/);
  });
});

maybe("segnas server and a bare segnas worker in two terminals", () => {
  it("each shows its block; with --json a terminal gets JSON lines and no block", async () => {
    const port = await freePort();
    const run = path.join(tmp, "split");
    tmux(
      "new-session",
      "-d",
      "-s",
      "server",
      "-x",
      "120",
      "-y",
      "40",
      `cd ${ROOT} && ${FAKE} node ${BIN} server --cfg configs/demo.yaml --run-dir ${run} --host 127.0.0.1 --port ${port} SLIM.NAS_SEARCH_STEPS 5 SOLVER.NUM_EPOCHS 3; echo EXIT-$?; sleep 120`,
    );
    await waitPane(
      "server",
      (t) => /── segnas server · /.test(t) && /no worker connected yet/.test(t),
      "the server's block",
    );
    tmux(
      "new-session",
      "-d",
      "-s",
      "worker",
      "-x",
      "120",
      "-y",
      "40",
      `cd ${ROOT} && ${FAKE} node ${BIN} worker --cfg configs/demo.yaml --address 127.0.0.1:${port} --run-dir ${run} --worker-id w1; echo EXIT-$?; sleep 120`,
    );
    tmux(
      "new-session",
      "-d",
      "-s",
      "json",
      "-x",
      "120",
      "-y",
      "40",
      `cd ${ROOT} && ${FAKE} node ${BIN} worker --cfg configs/demo.yaml --address 127.0.0.1:${port} --run-dir ${run} --worker-id w2 --json; echo EXIT-$?; sleep 120`,
    );
    const w = await waitPane(
      "worker",
      (t) => /── segnas worker w1 → 127\.0\.0\.1:\d+/.test(t) && /w1\s+trial \d+\s+epoch \d\/3/.test(t),
      "the worker's block",
    );
    expect(w).toMatch(/trials \d+ done/);
    const s = await waitPane(
      "server",
      (t) => /w1\s+trial \d+/.test(t),
      "the server's block listing worker w1",
    );
    expect(s).toMatch(/trials \[[#.]+\] \d\/5/);
    for (const session of ["server", "worker", "json"])
      await waitPane(session, (t) => /EXIT-\d+/.test(t), `${session} to end`);
    expect(capture("server")).toMatch(/EXIT-0/);
    expect(capture("worker")).not.toMatch(/── segnas/);
    const json = capture("json");
    expect(json).not.toMatch(/── segnas/);
    expect(json).toMatch(/^\{"level":/m);
  });
});

describe("without a terminal", () => {
  it("stdout and stderr are plain lines, no status block or escape sequences", () => {
    const r = runCli(
      [
        "demo",
        "--run-dir",
        path.join(tmp, "pipe"),
        "--workers",
        "1",
        "SLIM.NAS_SEARCH_STEPS",
        "2",
        "SOLVER.NUM_EPOCHS",
        "1",
      ],
      { env: { SEGNAS_FAKE_TRAINER: "1" }, timeout: 60_000 },
    );
    expect(r.status).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/\x1b\[/); // eslint-disable-line no-control-regex
    expect(r.stdout + r.stderr).not.toMatch(/── segnas/);
    expect(r.stdout).toMatch(/best model /);
  });
});
