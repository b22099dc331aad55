/**
 * From a loaded config to a listening controller: opens (or resumes) the study in the run
 * directory, wires results and leases, binds the port. What `segnas server`, `segnas train`
 * (NAS_IS_SERVER True) and `segnas demo` all do.
 */
import type { SegConfig } from "@segnas/config";
import {
  SegnasError,
  costModel,
  headFromFlags,
  type MobileNetV2SegArch,
  type SearchSpace,
  type StudySettings,
  type TrialCost,
  type TrialRecord,
  type Tokens,
  getSpace,
} from "@segnas/core";
import type { Logger } from "pino";
import { systemClock, type Clock } from "./clock";
import { Controller } from "./controller";
import type { BoundAddress } from "./listen";
import { openStudy, type StrategyFactory } from "./open-study";
import { RunResults } from "./results";
import { SearchServer } from "./search-server";

export interface LaunchServerOptions {
  readonly config: SegConfig;
  /** Where the journal and results go; null = in memory only (tests, benchmarks). */
  readonly runDir: string | null;
  readonly logger: Logger;
  readonly strategies: StrategyFactory;
  /** Overrides SLIM.NAS_ADDRESS / SLIM.NAS_PORT. */
  readonly host?: string;
  readonly port?: number;
  readonly importPaddleSlim?: string;
  readonly clock?: Clock;
  readonly fsync?: boolean;
  /** Don't listen on TCP (in-memory tests attach streams themselves). */
  readonly noListen?: boolean;
  readonly maxAskHoldMs?: number;
  /** Told when a journal write fails (the server then closes and finish() throws). */
  readonly onFatal?: (error: Error) => void;
}

export interface FinishReport {
  readonly reason: string;
  readonly ranking: TrialRecord[];
  /** Where the best model is (copied into the run directory, or host:path), if anywhere. */
  readonly bestModel: string | null;
}

export interface LaunchedServer {
  readonly server: SearchServer;
  readonly controller: Controller;
  readonly address: BoundAddress | null;
  readonly runDir: string | null;
  readonly resumed: boolean;
  readonly space: SearchSpace;
  /** Static cost (params, FLOPs) of a trial under this config, when the space has a cost model. */
  costOf(trial: TrialRecord): TrialCost | undefined;
  /** Resolves with the reason once the search is over. */
  whenFinished(): Promise<string>;
  /**
   * After the search is over: lets connected workers hear "done" (up to `lingerMs`), writes the
   * results, closes everything.
   */
  finish(lingerMs?: number): Promise<FinishReport>;
  /** Closes now (the journal keeps what is durable: a restart resumes). */
  close(): Promise<void>;
}

/** The settings a config gives a study. */
export function studySettingsFromConfig(config: SegConfig): StudySettings {
  const steps = config.SLIM.NAS_SEARCH_STEPS;
  return {
    space: config.SLIM.NAS_SPACE_NAME,
    strategy: config.SEGNAS.STRATEGY,
    seed: config.SEGNAS.SEED,
    searchSteps: steps,
    // A setup in which every trial fails (bad data, broken backend) must end, not loop forever.
    maxFailures: Math.max(5, steps),
    maxFlops: config.SEGNAS.MAX_FLOPS > 0 ? config.SEGNAS.MAX_FLOPS : null,
    maxParams: config.SEGNAS.MAX_PARAMS > 0 ? config.SEGNAS.MAX_PARAMS : null,
  };
}

/** Static cost of tokens under this config (MobileNetV2SpaceSeg only), and the constraint check. */
export function costFromConfig(
  config: SegConfig,
  space: SearchSpace,
): { cost?: (t: Tokens) => TrialCost | undefined; isFeasible?: (t: Tokens) => boolean } {
  if (space.name !== "MobileNetV2SpaceSeg") return {};
  const crop = config.TRAIN_CROP_SIZE.length === 2 ? config.TRAIN_CROP_SIZE : config.EVAL_CROP_SIZE;
  if (crop.length !== 2) return {};
  const opts = {
    width: crop[0] as number,
    height: crop[1] as number,
    classes: config.DATASET.NUM_CLASSES,
    head: headFromFlags(config.MODEL.DEEPLAB.ENCODER_WITH_ASPP, config.MODEL.DEEPLAB.ENABLE_DECODER),
  };
  const cost = (t: Tokens): TrialCost => {
    const c = costModel(space.decode(t) as MobileNetV2SegArch, opts);
    return { params: c.params, flops: c.flops };
  };
  const { MAX_FLOPS, MAX_PARAMS } = config.SEGNAS;
  if (!(MAX_FLOPS > 0) && !(MAX_PARAMS > 0)) return { cost };
  const isFeasible = (t: Tokens): boolean => {
    const c = cost(t);
    return (!(MAX_FLOPS > 0) || c.flops <= MAX_FLOPS) && (!(MAX_PARAMS > 0) || c.params <= MAX_PARAMS);
  };
  return { cost, isFeasible };
}

export async function launchServer(opts: LaunchServerOptions): Promise<LaunchedServer> {
  const { config, logger } = opts;
  const settings = studySettingsFromConfig(config);
  if (!settings.space) {
    throw new SegnasError(
      "SEGNAS_E_CONFIG",
      'SLIM.NAS_SPACE_NAME is empty: name the search space, e.g. SLIM.NAS_SPACE_NAME "MobileNetV2SpaceSeg"',
    );
  }
  if (!(settings.searchSteps >= 1)) {
    throw new SegnasError(
      "SEGNAS_E_CONFIG",
      `SLIM.NAS_SEARCH_STEPS must be at least 1, got ${settings.searchSteps}`,
    );
  }
  const space = getSpace(settings.space);
  const clock = opts.clock ?? systemClock;
  const { cost, isFeasible } = costFromConfig(config, space);
  const opened = await openStudy({
    runDir: opts.runDir,
    space,
    settings,
    strategies: opts.strategies,
    // The cost is derived from tokens + config: not journaled, not on the request path.
    ...(isFeasible ? { isFeasible } : {}),
    logger,
    ...(opts.fsync !== undefined ? { fsync: opts.fsync } : {}),
    ...(opts.importPaddleSlim ? { importPaddleSlim: opts.importPaddleSlim } : {}),
    now: () => clock.now(),
  });
  // Rejected when the journal fails: finish() then throws instead of waiting forever.
  let failFatal!: (err: SegnasError) => void;
  const fatal = new Promise<never>((_, reject) => (failFatal = reject));
  fatal.catch(() => undefined);
  const results =
    opts.runDir === null
      ? null
      : new RunResults({ runDir: opts.runDir, space, logger, ...(cost ? { cost } : {}) });
  const costCache = new Map<number, TrialCost | undefined>();
  const costOf = (t: TrialRecord): TrialCost | undefined => {
    if (results) return results.costOf(t);
    if (!costCache.has(t.id)) costCache.set(t.id, t.cost ?? cost?.(t.tokens));
    return costCache.get(t.id);
  };
  const leaseMs = config.SEGNAS.LEASE_SECONDS * 1000;
  const heartbeatMs = config.SEGNAS.HEARTBEAT_SECONDS * 1000;
  const controller = new Controller({
    study: opened.study,
    journal: opened.journal,
    logger,
    leaseMs,
    heartbeatMs,
    clock,
    budget: { epochs: config.SOLVER.NUM_EPOCHS, startEvalEpoch: config.SLIM.NAS_START_EVAL_EPOCH },
    ...(opts.maxAskHoldMs !== undefined ? { maxAskHoldMs: opts.maxAskHoldMs } : {}),
    onTrialFinished: (t) => results?.onTrialFinished(opened.study.state, t),
    // The tables follow running trials too (debounced: at most one rewrite a second).
    onStudyChanged: () => results?.update(opened.study.state),
    // The journal can no longer make anything durable: stop serving (a restart resumes from it).
    onFatal: (err) => {
      opts.onFatal?.(err);
      failFatal(
        new SegnasError(
          "SEGNAS_E_JOURNAL_WRITE",
          `journal write failed: ${err.message}; free disk space or fix the run directory, then run the same command to resume`,
        ),
      );
      void close().catch(() => undefined);
    },
  });
  results?.update(opened.study.state);
  const secret = config.SEGNAS.SECRET || undefined;
  const server = new SearchServer({
    controller,
    logger,
    ...(secret ? { secret } : {}),
    heartbeatSeconds: config.SEGNAS.HEARTBEAT_SECONDS,
    leaseSeconds: config.SEGNAS.LEASE_SECONDS,
    maxConnections: config.SEGNAS.MAX_CONNECTIONS,
    maxConnectionsPerAddress: config.SEGNAS.MAX_CONNECTIONS_PER_ADDRESS,
  });
  let address: BoundAddress | null = null;
  if (!opts.noListen) {
    try {
      address = await server.listen({
        host: opts.host ?? config.SLIM.NAS_ADDRESS,
        port: opts.port ?? config.SLIM.NAS_PORT,
        retrySeconds: config.SEGNAS.PORT_RETRY_SECONDS,
      });
    } catch (err) {
      controller.close();
      await opened.journal.close().catch(() => undefined);
      throw err;
    }
  }
  let closed: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      await server.close();
      if (results) await results.flush(opened.study.state);
      await opened.journal.close();
    })());
  return {
    server,
    controller,
    address,
    runDir: opts.runDir,
    resumed: opened.resumed,
    space,
    costOf,
    whenFinished: () => controller.whenFinished(),
    // Long enough for a worker still on a duplicate of the last trial to heartbeat, hear "stop",
    // ask and hear "done".
    async finish(lingerMs = Math.max(10_000, 2 * heartbeatMs + 2000)): Promise<FinishReport> {
      const reason = await Promise.race([controller.whenFinished(), fatal]);
      const until = performance.now() + lingerMs;
      while (performance.now() < until && server.connectionCount > 0)
        await new Promise((r) => setTimeout(r, 50));
      const bestModel = results ? await results.flush(opened.study.state) : null;
      await close();
      return { reason, ranking: controller.ranking(), bestModel };
    },
    close,
  };
}
