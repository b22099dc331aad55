/**
 * Where the live status block's state comes from: the in-process controller's snapshot
 * (server, train with NAS_IS_SERVER True, demo), or a bare worker's own trials (worker, train
 * with NAS_IS_SERVER False), watched by wrapping its trial runner.
 */
import type { LaunchedServer } from "@segnas/server";
import type { TrialRunner } from "@segnas/worker";
import {
  LocalWorkerState,
  SearchPace,
  TrialClock,
  stateFromSnapshot,
  type LiveState,
  type LiveWorker,
} from "./live-status";

/** State of a search whose controller runs in this process; `local` adds this process's worker. */
export function controllerSource(
  launched: LaunchedServer,
  opts: { title: string; epochs: number | null; local?: { name: string; state: LocalWorkerState } },
): () => LiveState {
  const clock = new TrialClock();
  const pace = new SearchPace();
  const since = Date.now();
  return () => {
    // recentCount 1: the block needs the counts and workers, not the trial list.
    const st = stateFromSnapshot(launched.controller.snapshot(1), { ...opts, clock, pace, since });
    const local = opts.local;
    if (!local) return st;
    // The in-process worker knows its own epochs as they finish (the snapshot waits for a heartbeat).
    const mine = local.state.state("", local.name, since, Date.now()).workers[0] as LiveWorker;
    const others = st.workers.filter(
      (w) => w.name !== local.name && !(mine.trialId !== null && w.trialId === mine.trialId),
    );
    return { ...st, workers: [mine, ...others] };
  };
}

/** Wraps a trial runner so that `state` follows its trials and epochs. */
export function watchRunner(state: LocalWorkerState): (runner: TrialRunner) => TrialRunner {
  return (runner) => ({
    backend: runner.backend,
    async run(req) {
      state.started(req.trialId, req.budget.epochs, Date.now());
      try {
        const out = await runner.run({
          ...req,
          onEpoch: (e) => {
            state.epoch = e.epoch;
            if (e.miou !== null) state.metric = e.miou;
            req.onEpoch(e);
          },
          onStarted: (info) => {
            state.backend = info.backend;
            req.onStarted?.(info);
          },
        });
        state.finished(out.status, out.status === "completed" ? out.reward : undefined);
        return out;
      } catch (e) {
        state.finished("failed", undefined);
        throw e;
      }
    },
  });
}
