import { SegnasError } from "../errors";
import type { StudyEvent } from "./events";
import { replayEvents, studyStateToJSON } from "./state";
import { Study } from "./study";
import { rankTrials, summarizeStudy } from "./summary";
import { RandomTestStrategy, tinySpace } from "../testing/tiny-study";
import { createStudyView } from "./view";

const settings = { space: "Tiny", strategy: "random-test", seed: 7, searchSteps: 5, maxFailures: 3 };

function newStudy(steps = 5, rangeTable?: number[]) {
  const space = tinySpace(rangeTable);
  const journal: StudyEvent[] = [];
  const { study, events } = Study.create(
    { studyId: "s1", settings: { ...settings, searchSteps: steps }, at: 0 },
    { space, strategy: new RandomTestStrategy(7) },
  );
  journal.push(...events);
  return { study, journal, space };
}

/** Replays a journal the way the server resumes: fold, then restore the strategy from the state. */
function resume(journal: StudyEvent[], rangeTable?: number[]) {
  // Events cross a JSON journal: replay what JSON gives back.
  const state = replayEvents(JSON.parse(JSON.stringify(journal)) as StudyEvent[]);
  const strategy = new RandomTestStrategy(state.strategyState as never);
  return Study.fromState(state, { space: tinySpace(rangeTable), strategy });
}

function trialOf(d: ReturnType<Study["ask"]>): number {
  if (d.decision.kind !== "trial") throw new Error(`expected a trial, got ${d.decision.kind}`);
  return d.decision.trial.id;
}

describe("Study", () => {
  it("hands out trials, collects rewards and ends after searchSteps rewards in total", () => {
    const { study, journal } = newStudy(4);
    let now = 1;
    const workers = ["a", "b", "c"];
    let done = 0;
    while (study.finishReason() === undefined) {
      for (const w of workers) {
        const r = study.ask(w, now++);
        journal.push(...r.events);
        if (r.decision.kind === "trial") {
          const t = study.tell(r.decision.trial.id, w, { reward: r.decision.trial.id / 10 }, now++);
          journal.push(...t.events);
          done++;
        }
      }
    }
    expect(done).toBe(4);
    expect(study.state.completed).toBe(4);
    expect(study.ask("a", now).decision).toEqual({
      kind: "done",
      reason: "all 4 search steps have a reward",
    });
    expect(summarizeStudy(study.state).best?.trialId).toBe(4);
    expect(rankTrials(study.state).map((t) => t.id)).toEqual([4, 3, 2, 1]);
  });

  it("never proposes more than the remaining steps: extra workers wait", () => {
    const { study } = newStudy(2);
    expect(study.ask("a", 1).decision.kind).toBe("trial");
    expect(study.ask("b", 1).decision.kind).toBe("trial");
    const c = study.ask("c", 1).decision;
    expect(c.kind).toBe("wait");
  });

  it("a repeated or late tell is idempotent", () => {
    const { study, journal } = newStudy(3);
    const r = study.ask("a", 1);
    journal.push(...r.events);
    const id = trialOf(r);
    const first = study.tell(id, "a", { reward: 0.5 }, 2);
    journal.push(...first.events);
    const again = study.tell(id, "a", { reward: 0.9 }, 3);
    expect(first.outcome).toBe("accepted");
    expect(again).toMatchObject({ outcome: "duplicate", events: [] });
    expect(study.trial(id)?.reward).toBe(0.5);
    expect(study.state.completed).toBe(1);
    expect(study.fail(id, "a", { reason: "late" }, 4).outcome).toBe("duplicate");
  });

  it("an expired lease puts the trial back in the queue; the next ask gets it", () => {
    const { study, journal } = newStudy(3);
    const r = study.ask("a", 1);
    journal.push(...r.events);
    const id = trialOf(r);
    journal.push(...study.requeue(id, "lease-expired", 10));
    expect(study.trial(id)?.status).toBe("queued");
    const again = study.ask("b", 11);
    journal.push(...again.events);
    expect(again.decision).toMatchObject({ kind: "trial", attempt: 2 });
    expect(trialOf(again)).toBe(id);
    // The first worker wakes up: its heartbeat is told to stop, its late result still counts once.
    expect(study.heartbeat(id, "a", 12).decision).toBe("stop");
    expect(study.tell(id, "a", { reward: 0.3 }, 13).outcome).toBe("accepted");
    expect(study.tell(id, "b", { reward: 0.4 }, 14).outcome).toBe("duplicate");
  });

  it("a heartbeat of an expired but untaken trial re-leases it to its worker", () => {
    const { study } = newStudy(3);
    const id = trialOf(study.ask("a", 1));
    study.requeue(id, "lease-expired", 5);
    const hb = study.heartbeat(id, "a", 6, { epoch: 1, miou: 0.2 });
    expect(hb.decision).toBe("continue");
    expect(hb.events.map((e) => e.type)).toEqual(["trial-leased", "trial-progress"]);
    expect(study.trial(id)).toMatchObject({
      status: "leased",
      attempts: 2,
      curve: [{ epoch: 1, miou: 0.2 }],
    });
    expect(study.state.queue).toEqual([]);
  });

  it("a worker asking while holding a lease gets its own trial back", () => {
    const { study } = newStudy(3);
    const id = trialOf(study.ask("a", 1));
    const again = study.ask("a", 2);
    expect(trialOf(again)).toBe(id);
    expect(again.decision).toMatchObject({ attempt: 2 });
    expect(study.state.leased).toBe(1);
  });

  it("unknown trials are a typed error", () => {
    const { study } = newStudy(3);
    expect(() => study.tell(99, "a", { reward: 1 }, 1)).toThrow(SegnasError);
    expect(() => study.heartbeat(99, "a", 1)).toThrow(
      expect.objectContaining({ code: "SEGNAS_E_UNKNOWN_TRIAL" }) as Error,
    );
  });

  it("a worker failure puts the trial back in the queue and counts nothing", () => {
    const { study } = newStudy(3);
    const id = trialOf(study.ask("a", 1));
    const out = study.workerFailed(id, "a", { reason: "ENOSPC", code: "SEGNAS_E_DATA" }, 2);
    expect(out.events).toEqual([
      expect.objectContaining({ type: "trial-requeued", reason: "worker-failed", detail: "ENOSPC" }),
    ]);
    expect(study.state.failed).toBe(0);
    expect(study.state.queue).toEqual([id]);
    expect(study.trial(id)?.status).toBe("queued");
    // Another worker gets the same architecture, not a new one.
    expect(trialOf(study.ask("b", 3))).toBe(id);
    // A worker that no longer holds the trial changes nothing.
    expect(study.workerFailed(id, "a", { reason: "late" }, 4).events).toEqual([]);
    expect(study.trial(id)?.status).toBe("leased");
  });

  it("retryFailed hands failed trials out again and re-opens a search ended by failures", () => {
    const { study, journal } = newStudy(1);
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = study.ask("a", i);
      journal.push(...r.events);
      const id = trialOf(r);
      ids.push(id);
      journal.push(...study.fail(id, "a", { reason: "NaN" }, i).events);
    }
    expect(study.finishReason()).toMatch(/3 trials failed/);
    const events = study.retryFailed(10);
    journal.push(...events);
    expect(events).toHaveLength(3);
    expect(study.state.failed).toBe(0);
    expect(study.finishReason()).toBeUndefined();
    const again = study.ask("a", 11);
    journal.push(...again.events);
    expect(trialOf(again)).toBe(ids[0]);
    // The journal replays to the same state.
    expect(studyStateToJSON(resume(journal).state)).toEqual(studyStateToJSON(study.state));
  });

  it("failed trials do not count as steps; too many failures end the search", () => {
    const { study } = newStudy(5);
    for (let i = 0; i < 3; i++) {
      const id = trialOf(study.ask("a", i));
      study.fail(id, "a", { reason: "NaN loss", code: "SEGNAS_E_TRAINING" }, i);
    }
    expect(study.state.completed).toBe(0);
    expect(study.ask("a", 9).decision.kind).toBe("done");
    expect(study.finishReason()).toMatch(/3 trials failed/);
  });

  it("a non-finite reward becomes a failure", () => {
    const { study } = newStudy(5);
    const id = trialOf(study.ask("a", 1));
    expect(study.tell(id, "a", { reward: Number.NaN }, 2).trial.status).toBe("failed");
  });

  it("an exhausted space ends the search once nothing is pending, and says why", () => {
    const { study } = newStudy(100, [2, 2]);
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push(trialOf(study.ask(`w${i}`, i)));
    expect(study.ask("w9", 5).decision.kind).toBe("wait");
    ids.forEach((id, i) => study.tell(id, `w${i}`, { reward: 0.1 }, 6));
    const d = study.ask("w9", 7).decision;
    expect(d.kind).toBe("done");
    expect(d.kind === "done" && d.reason).toMatch(/exhausted/);
  });

  it("reconfigure adds steps and re-opens a finished search", () => {
    const { study } = newStudy(1);
    study.tell(trialOf(study.ask("a", 1)), "a", { reward: 0.1 }, 2);
    expect(study.ask("a", 3).decision.kind).toBe("done");
    expect(study.reconfigure({ searchSteps: 2 }, 4)).toHaveLength(1);
    expect(study.reconfigure({ searchSteps: 2 }, 4)).toHaveLength(0);
    expect(study.ask("a", 5).decision.kind).toBe("trial");
  });

  it("replay of the journal equals the live state, and the resumed study continues identically", () => {
    // Run A: uninterrupted. Run B: same inputs, "crashes" after half the events and resumes.
    const script = (study: Study, journal: StudyEvent[], from: number, to: number) => {
      for (let step = from; step < to; step++) {
        const w = `w${step % 3}`;
        const r = study.ask(w, step * 10);
        journal.push(...r.events);
        if (r.decision.kind !== "trial") continue;
        const id = r.decision.trial.id;
        journal.push(...study.heartbeat(id, w, step * 10 + 1, { epoch: 1, miou: step / 100 }).events);
        if (step % 5 === 1) journal.push(...study.requeue(id, "lease-expired", step * 10 + 2));
        else if (step % 7 === 3) journal.push(...study.fail(id, w, { reason: "boom" }, step * 10 + 3).events);
        else journal.push(...study.tell(id, w, { reward: (step * 37) % 11 }, step * 10 + 4).events);
      }
    };
    const a = newStudy(12);
    script(a.study, a.journal, 0, 30);

    const b = newStudy(12);
    script(b.study, b.journal, 0, 13);
    const resumed = resume(b.journal);
    expect(studyStateToJSON(resumed.state)).toEqual(studyStateToJSON(b.study.state));
    script(resumed, b.journal, 13, 30);

    expect(studyStateToJSON(resumed.state)).toEqual(studyStateToJSON(a.study.state));
    expect(studyStateToJSON(replayEvents(a.journal))).toEqual(studyStateToJSON(a.study.state));
    expect(b.journal).toEqual(a.journal);
    expect(a.study.state.completed).toBeGreaterThan(0);
  });

  it("imports results: seen, told, not counted as steps, skipped when already known", () => {
    const { study, journal } = newStudy(2);
    journal.push(...study.importResult([1, 1, 1], 0.7, "paddleslim", 1));
    expect(study.importResult([1, 1, 1], 0.9, "paddleslim", 2)).toEqual([]);
    expect(study.state.imported).toBe(1);
    expect(study.state.completed).toBe(0);
    expect(summarizeStudy(study.state).best).toMatchObject({ reward: 0.7, tokens: [1, 1, 1] });
    expect(studyStateToJSON(replayEvents(journal))).toEqual(studyStateToJSON(study.state));
  });
});

describe("createStudyView", () => {
  it("lists rewarded trials (imported included, failed not) in trial order, whatever the order of the rewards", () => {
    const { study } = newStudy(10);
    const ids = [1, 2, 3, 4].map((i) => trialOf(study.ask(`w${i}`, i)));
    const view = createStudyView(study.state, tinySpace());
    study.tell(ids[2] as number, "w3", { reward: 0.3 }, 5);
    expect(view.results().map((r) => r.reward)).toEqual([0.3]);
    study.tell(ids[0] as number, "w1", { reward: 0.1 }, 6);
    study.fail(ids[1] as number, "w2", { reason: "x" }, 7);
    study.importResult([2, 2, 2], 0.9, "test", 8);
    study.tell(ids[3] as number, "w4", { reward: 0.4 }, 9);
    expect(view.results().map((r) => r.reward)).toEqual([0.1, 0.3, 0.4, 0.9]);
    expect(view.completedCount).toBe(4);
    expect(view.pendingCount).toBe(0);
  });
});
