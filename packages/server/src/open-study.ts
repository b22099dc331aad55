/**
 * Opens a study on its journal: a new journal starts a study (its first event, fsynced, records
 * the settings and the strategy's initial snapshot); an existing one is replayed through the
 * study reducer and the strategy is restored from the last recorded snapshot — never re-asked.
 * The journal's study id is derived from space, strategy and seed, so resuming a run directory
 * with different ones is refused by name; the step budget may change (it is recorded).
 */
import {
  SegnasError,
  Study,
  parsePaddleSlimCheckpoint,
  replayEvents,
  type SearchSpace,
  type Strategy,
  type StudyEvent,
  type StudySettings,
  type TrialCost,
  type Tokens,
} from "@segnas/core";
import { Journal, type MemoryJournalStore, type JournalStall, type RecoveryEvent } from "@segnas/journal";
import type { Logger } from "pino";
import * as fs from "node:fs";

/** How the server makes and restores strategies (core's createStrategy / restoreStrategy). */
export interface StrategyFactory {
  create(name: string, space: SearchSpace, options: { seed: number }): Strategy;
  restore(space: SearchSpace, json: unknown): Strategy;
}

export interface OpenStudyOptions {
  /** Run directory holding journal.jsonl; null = an in-memory journal (tests, benchmarks). */
  readonly runDir: string | null;
  readonly space: SearchSpace;
  readonly settings: StudySettings;
  readonly strategies: StrategyFactory;
  readonly isFeasible?: (tokens: Tokens) => boolean;
  readonly cost?: (tokens: Tokens) => TrialCost | undefined;
  readonly logger: Logger;
  /** fsync every group commit (default true; off only for tests and benchmarks). */
  readonly fsync?: boolean;
  /** PaddleSlim sanas.checkpoints file to seed the study with (idempotent: known tokens are skipped). */
  readonly importPaddleSlim?: string;
  readonly now?: () => number;
  /** With runDir null: the in-memory store to use (pass the same one again to "resume"). */
  readonly memoryStore?: MemoryJournalStore;
  /** Hand the failed trials of a resumed study out again (`--retry-failed`). */
  readonly retryFailed?: boolean;
}

export interface OpenedStudy {
  readonly study: Study;
  readonly journal: Journal<StudyEvent>;
  readonly resumed: boolean;
}

export function studyIdOf(settings: Pick<StudySettings, "space" | "strategy" | "seed">): string {
  return `${settings.space}/${settings.strategy}/seed-${settings.seed}`;
}

export async function openStudy(opts: OpenStudyOptions): Promise<OpenedStudy> {
  const now = opts.now ?? Date.now;
  const log = opts.logger;
  const header = {
    studyId: studyIdOf(opts.settings),
    meta: { space: opts.settings.space, strategy: opts.settings.strategy, seed: opts.settings.seed },
  };
  const onRecover = (e: RecoveryEvent): void => {
    if (e.kind === "torn-tail") {
      log.warn(
        e,
        `journal: dropped a torn last line (line ${e.line}, ${e.droppedBytes} bytes) left by a crash`,
      );
    } else {
      log.warn(e, `journal: removed a stale lock of process ${e.pid} on ${e.hostname}`);
    }
  };
  // A bad strategy name or option is refused before anything is written to the run directory.
  const fresh = opts.strategies.create(opts.settings.strategy, opts.space, { seed: opts.settings.seed });
  const onStall = (e: JournalStall): void =>
    log.error(
      e,
      `journal: the disk under ${e.file} is full (${e.code}): results are NOT acknowledged until it has ` +
        `space again (workers keep them and send them again; nothing is lost). Free space there; ` +
        `the server retries the write and carries on by itself`,
    );
  const onResume = (e: { file: string; stalledMs: number; events: number }): void =>
    log.warn(
      e,
      `journal: writable again after ${(e.stalledMs / 1000).toFixed(1)} s; ${e.events} waiting event(s) written, the search carries on`,
    );
  const journalOptions = { header, onRecover, onStall, onResume, fsync: opts.fsync ?? true };
  const journal =
    opts.runDir === null
      ? await Journal.inMemory<StudyEvent>(journalOptions, opts.memoryStore)
      : await Journal.open<StudyEvent>(opts.runDir, journalOptions);
  try {
    const deps = {
      space: opts.space,
      ...(opts.isFeasible ? { isFeasible: opts.isFeasible } : {}),
      ...(opts.cost ? { cost: opts.cost } : {}),
    };
    const records = await journal.readAll();
    let study: Study;
    let resumed = false;
    if (records.length === 0) {
      const created = Study.create(
        { studyId: header.studyId, settings: opts.settings, at: now() },
        { ...deps, strategy: fresh },
      );
      await journal.append(created.events);
      study = created.study;
    } else {
      const state = replayEvents(records.map((r) => r.event));
      if (state.settings.space !== opts.space.name) {
        throw new SegnasError(
          "SEGNAS_E_JOURNAL_MISMATCH",
          `the journal searches space ${state.settings.space}, not ${opts.space.name}; use another run directory`,
          { expected: opts.space.name, found: state.settings.space },
        );
      }
      const strategy = opts.strategies.restore(opts.space, state.strategyState);
      study = Study.fromState(state, { ...deps, strategy });
      resumed = true;
      const changed = study.reconfigure(
        { searchSteps: opts.settings.searchSteps, maxFailures: opts.settings.maxFailures },
        now(),
      );
      await journal.append(changed);
      log.info(
        {
          events: records.length,
          completed: state.completed,
          failed: state.failed,
          running: state.leased,
          queued: state.queue.length,
        },
        `resumed study ${state.studyId} from its journal: ${state.completed}/${study.state.settings.searchSteps} rewards`,
      );
      if (changed.length > 0)
        log.info({ searchSteps: opts.settings.searchSteps }, "step budget changed on resume");
    }
    if (opts.retryFailed) {
      const retried = study.retryFailed(now());
      await journal.append(retried);
      log.info(
        { trials: retried.map((e) => ("trialId" in e ? e.trialId : 0)) },
        `--retry-failed: ${retried.length} failed trial(s) go back to the queue`,
      );
    }
    if (opts.importPaddleSlim)
      await importCheckpoint(study, journal, opts.importPaddleSlim, opts.space, log, now);
    return { study, journal, resumed };
  } catch (err) {
    await journal.close().catch(() => undefined);
    throw err;
  }
}

async function importCheckpoint(
  study: Study,
  journal: Journal<StudyEvent>,
  file: string,
  space: SearchSpace,
  log: Logger,
  now: () => number,
): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new SegnasError(
      "SEGNAS_E_BAD_ARGUMENT",
      `cannot read the PaddleSlim checkpoint ${file}: ${(e as Error).message}; pass the sanas.checkpoints JSON file`,
      { file },
    );
  }
  const ckpt = parsePaddleSlimCheckpoint(json, space);
  const events = ckpt.results.flatMap((r) =>
    study.importResult(r.tokens, r.reward, `paddleslim:${r.from}`, now()),
  );
  await journal.append(events);
  log.info(
    {
      file,
      found: ckpt.results.length,
      imported: events.length,
      paddleslimIter: ckpt.iter,
      ignoredFields: ckpt.ignored,
    },
    `imported ${events.length} result(s) from the PaddleSlim checkpoint (${ckpt.results.length - events.length} already known)`,
  );
}
