/**
 * A full disk under the journal (a small tmpfs, mounted here as root): appends wait instead of
 * failing, the stall is reported once, and everything is written once space returns. Outside CI
 * the test is skipped (with the reason) where mounting is not allowed; in CI it must run.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { FileJournal } from "./file-journal";
import type { JournalStall } from "./types";

const mountPoint = mkdtempSync(path.join(tmpdir(), "segnas-enospc-"));
let mounted = false;
let whyNot = "";
try {
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mountPoint], { stdio: "pipe" });
  mounted = true;
} catch (e) {
  whyNot = String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim();
}
afterAll(() => {
  if (mounted) execFileSync("umount", ["-l", mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});
if (!mounted && process.env.CI) throw new Error(`cannot mount a tmpfs for the disk-full test: ${whyNot}`);
if (!mounted) console.warn(`skipping the disk-full journal tests: cannot mount a tmpfs (${whyNot})`);
const maybe = mounted ? describe : describe.skip;

/** Fills the file system at `dir` with `filler` until not one more block fits. */
function fill(filler: string): void {
  const st = statfsSync(path.dirname(filler));
  try {
    writeFileSync(filler, Buffer.alloc(Number(st.bavail * st.bsize)));
  } catch {
    // ENOSPC on the last bytes: what we wanted
  }
  for (let i = 0; ; i++) {
    try {
      writeFileSync(`${filler}.${i}`, Buffer.alloc(512));
    } catch {
      break;
    }
  }
}

function unfill(filler: string): void {
  const dir = path.dirname(filler);
  for (const f of require("node:fs").readdirSync(dir) as string[])
    if (f.startsWith(path.basename(filler))) rmSync(path.join(dir, f));
}

type Ev = { k: string; pad: string };
const pad = "x".repeat(300);

maybe("FileJournal on a full disk", () => {
  it("waits instead of failing, says so once, and writes everything when space returns", async () => {
    const dir = path.join(mountPoint, "run-1");
    mkdirSync(dir);
    const stalls: JournalStall[] = [];
    const resumes: number[] = [];
    const j = await FileJournal.open<Ev>(dir, {
      header: { studyId: "s" },
      onStall: (s) => stalls.push(s),
      onResume: (r) => resumes.push(r.events),
    });
    await j.append([{ k: "before", pad }]);
    const filler = path.join(mountPoint, "filler");
    fill(filler);
    let settled = 0;
    const waiting = Array.from({ length: 20 }, (_, i) =>
      j.append([{ k: `during-${i}`, pad }]).then(() => void settled++),
    );
    const marker = j.append([]).then(() => void settled++);
    await new Promise((r) => setTimeout(r, 700));
    expect(settled).toBe(0);
    expect(j.stalled).toBe(true);
    expect(stalls).toHaveLength(1);
    expect(stalls[0]).toMatchObject({ code: "ENOSPC", pendingEvents: 20 });
    // Nothing half-written is left in the file while it waits: a crash now loses no acknowledged event.
    const readable = await j.readAll();
    expect(readable.map((r) => r.event.k)).toEqual(["before"]);
    unfill(filler);
    await Promise.all([...waiting, marker]);
    expect(j.stalled).toBe(false);
    expect(resumes).toEqual([20]);
    await j.append([{ k: "after", pad }]);
    await j.close();
    const again = await FileJournal.open<Ev>(dir, { header: { studyId: "s" } });
    const ks = (await again.readAll()).map((r) => r.event.k);
    expect(ks).toEqual(["before", ...Array.from({ length: 20 }, (_, i) => `during-${i}`), "after"]);
    await again.close();
  });

  it("closing on a full disk fails the waiting appends (never acknowledged) and keeps the file whole", async () => {
    const dir = path.join(mountPoint, "run-2");
    mkdirSync(dir);
    const j = await FileJournal.open<Ev>(dir, { header: { studyId: "s" } });
    await j.append([{ k: "kept", pad }]);
    const filler = path.join(mountPoint, "filler2");
    fill(filler);
    // Bigger than the slack in the file's last page, which a full tmpfs still takes.
    const waiting = j.append([{ k: "never", pad: pad.repeat(20) }]).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    await j.close();
    expect(await waiting).toMatchObject({ code: "SEGNAS_E_JOURNAL_WRITE" });
    unfill(filler);
    expect(existsSync(path.join(dir, "journal.lock"))).toBe(false);
    const again = await FileJournal.open<Ev>(dir, { header: { studyId: "s" } });
    expect((await again.readAll()).map((r) => r.event.k)).toEqual(["kept"]);
    await again.close();
  });
});
