/**
 * @segnas/server — the controller of a distributed search.
 *
 * - `launchServer({ config, runDir, logger, strategies })`: open or resume the study in the run
 *   directory (journal replay), bind SLIM.NAS_ADDRESS:SLIM.NAS_PORT (busy port: retried for
 *   SEGNAS.PORT_RETRY_SECONDS, then a PortBusyError naming the holder), serve workers, write
 *   trials.csv / trials.jsonl / best.json / best-model/.
 * - `Controller`: requests -> study decisions -> journal (fsync) -> replies; leases with expiry.
 * - `SearchServer`: TCP or TLS (or in-memory via `attach`) sessions with the optional shared secret;
 *   refuses a non-loopback address without one unless allowed (SEGNAS.ALLOW_NO_SECRET).
 * - `tlsServerOptionsFromConfig(config)`: SEGNAS.TLS_CERT / TLS_KEY as node:tls / node:https options.
 * - `startDashboard` (HTTP dashboard + SSE), `loadRunSnapshot` + `writeRunReport` (the static report).
 * - `openStudy`, `RunResults`, `listenWithRetry` (and `checkPort`), `findPortHolder` for the parts (test doubles such as FakeClock live in src/testing/, not exported).
 */
export { systemClock, type Clock, type TimerHandle } from "./clock";
export { LeaseTable } from "./lease-table";
export { Controller, type ControllerOptions } from "./controller";
export { serveConnection, type Session, type SessionOptions } from "./session";
export { SearchServer, type SearchServerOptions } from "./search-server";
export { tlsServerOptionsFromConfig } from "./tls-config";
export { listenWithRetry, checkPort, isLoopback, type ListenOptions, type BoundAddress } from "./listen";
export { findPortHolder, describePortHolder, listeningInodes, type PortHolder } from "./port-holder";
export {
  openStudy,
  studyIdOf,
  type OpenStudyOptions,
  type OpenedStudy,
  type StrategyFactory,
} from "./open-study";
export { RunResults, trialRow, trialCsvLine, CSV_COLUMNS, type RunResultsOptions } from "./results";
export { checkRunDir, MIN_FREE_BYTES, type RunDirCheck } from "./run-dir-check";
export {
  launchServer,
  studySettingsFromConfig,
  costFromConfig,
  checkInitTokens,
  type LaunchServerOptions,
  type LaunchedServer,
  type FinishReport,
} from "./launch";
export {
  DashboardFeed,
  DashboardServer,
  startDashboard,
  writeRunReport,
  dashboardPort,
  loadRunSnapshot,
  writeSyntheticRun,
  type Dashboard,
} from "./dashboard";
