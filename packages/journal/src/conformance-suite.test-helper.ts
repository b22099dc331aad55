/**
 * The journal contract as tests: every Journal implementation must pass this suite.
 * `factory.location()` makes a fresh place (a run directory, a memory store) and `open` opens
 * a journal there; opening the same location again is a reopen.
 */
import { JournalLockedError, JournalMismatchError } from "./errors";
import type { Journal, JournalOpenOptions } from "./types";

export interface JournalFactory<L> {
  location(): Promise<L> | L;
  open<E>(where: L, options: JournalOpenOptions): Promise<Journal<E>>;
}

type Ev = { kind: string; n?: number; data?: unknown };

export function describeJournalConformance<L>(name: string, factory: JournalFactory<L>): void {
  describe(`Journal conformance: ${name}`, () => {
    const header = { studyId: "study-1", meta: { space: "MobileNetV2SpaceSeg" } };
    const open = (where: L, extra: Partial<JournalOpenOptions> = {}) =>
      factory.open<Ev>(where, { header, ...extra });

    it("creates an empty journal with the header", async () => {
      const j = await open(await factory.location());
      expect(j.created).toBe(true);
      expect(j.lastSeq).toBe(0);
      expect(j.header).toMatchObject({
        studyId: "study-1",
        meta: { space: "MobileNetV2SpaceSeg" },
        format: "segnas-journal/1",
      });
      expect(await j.readAll()).toEqual([]);
      await j.close();
    });

    it("appends and replays in order with gapless sequence numbers", async () => {
      const j = await open(await factory.location());
      await j.append([{ kind: "a" }, { kind: "b", n: 2 }]);
      await j.append([]);
      await j.append([{ kind: "c", data: { nested: [1, "x", null, true] } }]);
      expect(j.lastSeq).toBe(3);
      expect(await j.readAll()).toEqual([
        { seq: 1, event: { kind: "a" } },
        { seq: 2, event: { kind: "b", n: 2 } },
        { seq: 3, event: { kind: "c", data: { nested: [1, "x", null, true] } } },
      ]);
      const viaIter: number[] = [];
      for await (const r of j.replay()) viaIter.push(r.seq);
      expect(viaIter).toEqual([1, 2, 3]);
      await j.close();
    });

    it("returns copies: mutating an appended event changes nothing stored", async () => {
      const j = await open(await factory.location());
      const ev = { kind: "a", data: { x: 1 } };
      await j.append([ev]);
      ev.data.x = 2;
      expect((await j.readAll())[0].event).toEqual({ kind: "a", data: { x: 1 } });
      await j.close();
    });

    it("reopens with the same events and continues the sequence", async () => {
      const where = await factory.location();
      const j = await open(where);
      await j.append([{ kind: "a" }, { kind: "b" }]);
      const createdAt = j.header.createdAt;
      await j.close();
      const k = await open(where);
      expect(k.created).toBe(false);
      expect(k.lastSeq).toBe(2);
      expect(k.header.createdAt).toBe(createdAt);
      await k.append([{ kind: "c" }]);
      expect((await k.readAll()).map((r) => [r.seq, r.event.kind])).toEqual([
        [1, "a"],
        [2, "b"],
        [3, "c"],
      ]);
      await k.close();
    });

    it("refuses a journal of another study", async () => {
      const where = await factory.location();
      const j = await open(where);
      await j.append([{ kind: "a" }]);
      await j.close();
      const err = await factory.open(where, { header: { studyId: "study-2" } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JournalMismatchError);
      expect((err as Error).message).toMatch(/belongs to study "study-1", not "study-2"/);
      // and the refusal released the lock
      await (await open(where)).close();
    });

    it("gives a journal without events to the study that opens it (a start that failed early)", async () => {
      const where = await factory.location();
      await (await open(where)).close();
      const k = await open(where, { header: { studyId: "study-2" } });
      expect(k.created).toBe(true);
      expect(k.header.studyId).toBe("study-2");
      await k.append([{ kind: "b" }]);
      await k.close();
      const again = await open(where, { header: { studyId: "study-2" } });
      expect((await again.readAll()).map((r) => r.event.kind)).toEqual(["b"]);
      await again.close();
    });

    it("keeps call order for concurrent appends; each resolves once its events are stored", async () => {
      const where = await factory.location();
      const j = await open(where);
      const n = 40;
      const order: number[] = [];
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          j.append([{ kind: "e", n: i }]).then(async () => {
            order.push(i);
            const stored = await j.readAll();
            expect(stored.some((r) => r.event.n === i)).toBe(true);
          }),
        ),
      );
      expect(order).toEqual(Array.from({ length: n }, (_, i) => i));
      const all = await j.readAll();
      expect(all.map((r) => r.event.n)).toEqual(order);
      expect(all.map((r) => r.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      expect(j.stats.events).toBe(n);
      expect(j.stats.commits).toBeLessThanOrEqual(n);
      await j.close();
    });

    it("locks the location against a second open until closed", async () => {
      const where = await factory.location();
      const j = await open(where);
      const err = await open(where).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JournalLockedError);
      expect((err as Error).message).toMatch(new RegExp(`in use by process ${process.pid}`));
      await j.close();
      const k = await open(where);
      await k.close();
    });

    it("rejects appends after close and values that are not JSON", async () => {
      const j = await open(await factory.location());
      await expect(j.append([undefined as unknown as Ev])).rejects.toThrow(/JSON/);
      expect(j.lastSeq).toBe(0);
      await j.close();
      await j.close();
      await expect(j.append([{ kind: "late" }])).rejects.toThrow(/closed/);
    });
  });
}
