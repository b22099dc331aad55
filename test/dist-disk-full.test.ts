/**
 * The journal's disk fills up mid-search (a small tmpfs under the server's run directory): the
 * server stops acknowledging results rather than lose one, says so in its log, and carries on
 * by itself when space returns. Exactly N results at the end, none twice.
 */
import * as path from "path";
import {
  killAll,
  quick,
  readJournal,
  sleep,
  startServer,
  startWorker,
  tmpRunDir,
  until,
} from "./dist-helpers";
import { tmpfsOrSkip, type Tmpfs } from "./tmpfs";

jest.setTimeout(120_000);
let disk: Tmpfs | null = null;
afterEach(async () => {
  await killAll();
  disk?.unmount();
  disk = null;
});

describe("disk full under the journal (processes)", () => {
  it("stops acknowledging, says so, carries on when space returns; nothing lost or doubled", async () => {
    // Above the server's own start check (MIN_FREE_BYTES, 64 MiB free), then filled to the last block.
    disk = tmpfsOrSkip("72m", "the disk-full end-to-end test");
    if (!disk) return;
    const runDir = path.join(disk.dir, "run");
    const N = 8;
    const overrides = quick(N);
    const { proc: server, port } = await startServer(runDir, overrides);
    // The worker keeps its trial directories off the small disk.
    const worker = startWorker("worker", port, tmpRunDir("diskfull-worker"), overrides, {
      SEGNAS_FAKE_EPOCH_MS: "100",
    });
    const completed = (): number => readJournal(runDir).filter((e) => e.type === "trial-completed").length;
    await until("two rewards", () => completed() >= 2);
    disk.fill();
    await server.waitFor(/disk under \S+ is full \(ENOSPC\): results are NOT acknowledged/);
    const during = completed();
    // While full: the worker's result waits unacknowledged, nothing reaches the journal.
    await sleep(1500);
    expect(completed()).toBe(during);
    expect(server.child.exitCode).toBeNull();
    disk.unfill();
    await server.waitFor(/journal: writable again after [\d.]+ s/);
    expect((await worker.exited).code).toBe(0);
    expect((await server.exited).code).toBe(0);
    const done = readJournal(runDir)
      .filter((e) => e.type === "trial-completed")
      .map((e) => e.trialId);
    expect(done).toHaveLength(N);
    expect(new Set(done).size).toBe(N);
  });
});
