/**
 * From a loaded config to a listening controller: opens (or resumes) the study in the run
 * directory, wires results and leases, binds the port. What `segnas server`, `segnas train`
 * (NAS_IS_SERVER True) and `segnas demo` all do.
 */
import type { SegConfig } from "@segnas/config";
import {
  ConfigError,
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
import { DashboardFeed, startDashboard, writeRunReport, type Dashboard } from "./dashboard";
import type { BoundAddress } from "./listen";
import { openStudy, type StrategyFactory } from "./open-study";
import { RunResults } from "./results";
import { checkRunDir } from "./run-dir-check";
import { SearchServer, refuseOpenWithoutSecret } from "./search-server";
import { tlsServerOptionsFromConfig } from "./tls-config";

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
  /** Only warn (instead of refusing) on a non-loopback address without a secret (default SEGNAS.ALLOW_NO_SECRET). */
  readonly allowNoSecret?: boolean;
  /** Hand the study's failed trials out again (`--retry-failed`). */
  readonly retryFailed?: boolean;
  /** Serve the dashboard (SEGNAS.DASHBOARD_PORT; default true unless noListen). */
  readonly dashboard?: boolean;
}

export interface FinishReport {
  readonly reason: string;
  readonly ranking: TrialRecord[];
  /** Where the best model is (copied into the run directory, or host:path), if anywhere. */
  readonly bestModel: string | null;
  /** RUN_DIR/report.html, when it was written. */
  readonly report: string | null;
}

export interface LaunchedServer {
  readonly server: SearchServer;
  readonly controller: Controller;
  readonly address: BoundAddress | null;
  readonly runDir: string | null;
  readonly resumed: boolean;
  readonly space: SearchSpace;
  /** The dashboard's URL (with its token when one is needed), when it is up. */
  readonly dashboardUrl: string | null;
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

/** Strategies whose search starts from the space's init tokens (they must meet the constraints). */
const STARTS_FROM_INIT_TOKENS: ReadonlySet<string> = new Set(["sa-paddleslim"]);

/**
 * A strategy that starts from the init tokens can go nowhere when they break SEGNAS.MAX_FLOPS /
 * MAX_PARAMS (sa-paddleslim would try its 300 one-token changes and stop): say so at start.
 */
export function checkInitTokens(
  config: SegConfig,
  space: SearchSpace,
  cost: ((t: Tokens) => TrialCost | undefined) | undefined,
): void {
  if (!cost || !STARTS_FROM_INIT_TOKENS.has(config.SEGNAS.STRATEGY)) return;
  const { MAX_FLOPS, MAX_PARAMS } = config.SEGNAS;
  const c = cost(space.initTokens);
  if (!c) return;
  const over: string[] = [];
  const raise: string[] = [];
  if (MAX_FLOPS > 0 && c.flops > MAX_FLOPS) {
    over.push(`${c.flops} FLOPs > SEGNAS.MAX_FLOPS ${MAX_FLOPS}`);
    raise.push(`SEGNAS.MAX_FLOPS ${c.flops}`);
  }
  if (MAX_PARAMS > 0 && c.params > MAX_PARAMS) {
    over.push(`${c.params} params > SEGNAS.MAX_PARAMS ${MAX_PARAMS}`);
    raise.push(`SEGNAS.MAX_PARAMS ${c.params}`);
  }
  if (over.length === 0) return;
  throw new ConfigError(
    `strategy ${config.SEGNAS.STRATEGY} starts from the init tokens [${space.initTokens.join(",")}], which exceed ` +
      `the limit (${over.join("; ")} at TRAIN_CROP_SIZE ${config.TRAIN_CROP_SIZE.join("x")}): raise the limit ` +
      `(at least ${raise.join(" and ")}), ` +
      `lower TRAIN_CROP_SIZE, or use a strategy that starts from random samples (SEGNAS.STRATEGY sa, random or evolution)`,
    {
      strategy: config.SEGNAS.STRATEGY,
      flops: c.flops,
      params: c.params,
      maxFlops: MAX_FLOPS,
      maxParams: MAX_PARAMS,
    },
  );
}

export async function launchServer(opts: LaunchServerOptions): Promise<LaunchedServer> {
  const { config, logger } = opts;
  const settings = studySettingsFromConfig(config);
  // An open port without a secret and bad TLS files fail before the study is opened.
  const secret = config.SEGNAS.SECRET || undefined;
  const allowNoSecret = opts.allowNoSecret ?? config.SEGNAS.ALLOW_NO_SECRET;
  if (!opts.noListen)
    refuseOpenWithoutSecret({ host: opts.host ?? config.SLIM.NAS_ADDRESS, secret, allowNoSecret });
  const tlsOptions = opts.noListen ? null : tlsServerOptionsFromConfig(config);
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
  checkInitTokens(config, space, cost);
  // Nothing is written before the run directory is known to take it.
  if (opts.runDir !== null) checkRunDir(opts.runDir);
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
    ...(opts.retryFailed ? { retryFailed: true } : {}),
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
  let dashboard: Dashboard | null = null;
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
    onStudyChanged: () => {
      results?.update(opened.study.state);
      dashboard?.changed();
    },
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
        tls: tlsOptions,
        allowNoSecret,
      });
    } catch (err) {
      controller.close();
      await opened.journal.close().catch(() => undefined);
      throw err;
    }
  }
  if (!opts.noListen && opts.dashboard !== false) {
    try {
      dashboard = await startDashboard({
        config,
        controller,
        space,
        costOf,
        logger,
        // The configured port: 0 (any free port) gives the dashboard any free port too.
        searchPort: opts.port ?? config.SLIM.NAS_PORT,
      });
    } catch (err) {
      // A busy port must not stop the search; a dashboard open to the network without a secret must.
      if (/not a loopback address/.test((err as Error).message)) {
        await server.close();
        controller.close();
        await opened.journal.close().catch(() => undefined);
        throw err;
      }
      logger.warn({ err }, `${(err as Error).message}; the search goes on without the dashboard`);
    }
  }
  let closed: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      await dashboard?.close();
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
    dashboardUrl: dashboard?.url ?? null,
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
      const feed =
        dashboard?.feed ?? new DashboardFeed({ controller, space, costOf, epochs: config.SOLVER.NUM_EPOCHS });
      const report = opts.runDir === null ? null : writeRunReport(feed, opts.runDir, logger);
      if (report) logger.info({ report }, `report ${report}`);
      await close();
      return { reason, ranking: controller.ranking(), bestModel, report };
    },
    close,
  };
}
