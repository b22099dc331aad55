/**
 * The journal across crashes, with real processes: a torn last line (what kill -9 mid-write
 * leaves) is dropped and reported on restart; garbage mid-journal stops the server with the line
 * number and the repair command; `segnas journal repair` keeps every intact record and the
 * search resumes to exactly N results.
 */
import * as fs from "fs";
import * as path from "path";
import { runCli } from "./helpers";
import {
  freePort,
  killAll,
  quick,
  readJournal,
  segnas,
  serverArgs,
  startServer,
  startWorker,
  tmpRunDir,
  until,
} from "./dist-helpers";

jest.setTimeout(120_000);
afterEach(killAll);

describe("journal damage (processes)", () => {
  it("torn tail: recovered; garbage mid-journal: refused with the line, repaired, resumed", async () => {
    const runDir = tmpRunDir("journal");
    const N = 5;
    const port = await freePort();
    // A short lease: the trial the killed worker held is handed out again soon after the restart.
    const overrides = quick(N, ["SEGNAS.LEASE_SECONDS", "2"]);
    const first = await startServer(runDir, overrides, { port, name: "server-1" });
    const w1 = startWorker("w1", port, runDir, overrides, { SEGNAS_FAKE_EPOCH_MS: "150" });
    const file = path.join(runDir, "journal.jsonl");
    await until(
      "two rewards",
      () => readJournal(runDir).filter((e) => e.type === "trial-completed").length >= 2,
    );
    first.proc.kill("SIGKILL");
    w1.kill("SIGKILL");
    await Promise.all([first.proc.exited, w1.exited]);

    // A torn last line, as a crash in the middle of a write leaves it.
    fs.appendFileSync(file, '{"seq":999,"event":{"type":"trial-comp');
    const second = await startServer(runDir, overrides, { port, name: "server-2" });
    await second.proc.waitFor(/dropped a torn last line \(line \d+, 38 bytes\)/);
    second.proc.kill("SIGTERM");
    await second.proc.exited;

    // Garbage between intact records (a bad block, a stray edit).
    const lines = fs.readFileSync(file, "utf8").split("\n");
    lines.splice(3, 0, "this line is not a journal record");
    fs.writeFileSync(file, lines.join("\n"));
    const refused = segnas("server-3", serverArgs(runDir, port, overrides));
    const { code } = await refused.exited;
    expect(code).toBe(5);
    expect(refused.err()).toMatch(
      /error \[SEGNAS_E_JOURNAL_CORRUPT\]: journal \S+ is damaged at line 4: .*run `segnas journal repair /,
    );

    const repair = runCli(["journal", "repair", runDir]);
    expect({ status: repair.status, err: repair.stderr }).toEqual({ status: 0, err: "" });
    expect(repair.stdout).toMatch(
      /kept \d+ intact record\(s\), dropped 1 line\(s\):\n {2}line 4 \(34 bytes\)/,
    );
    expect(repair.stdout).toMatch(/the original is kept as \S+journal\.jsonl\.damaged-/);
    expect(runCli(["journal", "repair", runDir]).stdout).toMatch(/nothing to repair/);

    const last = await startServer(runDir, overrides, { port, name: "server-4" });
    const w2 = startWorker("w2", port, runDir, overrides, { SEGNAS_FAKE_EPOCH_MS: "50" });
    expect((await w2.exited).code).toBe(0);
    expect((await last.proc.exited).code).toBe(0);
    const done = readJournal(runDir)
      .filter((e) => e.type === "trial-completed")
      .map((e) => e.trialId);
    expect(done).toHaveLength(N);
    expect(new Set(done).size).toBe(N);
  });
});
