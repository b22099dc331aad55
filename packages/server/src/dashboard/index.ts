export { DashboardFeed, type FeedOptions } from "./feed";
export { DashboardServer, type DashboardServerOptions } from "./http-server";
export { startDashboard, writeRunReport, dashboardPort, type Dashboard } from "./start";
export { loadRunSnapshot, readJournalEvents } from "./run-snapshot";
export { dashTrial, strategySummary, etaOf } from "./rows";
export { writeSyntheticRun, type SyntheticRunOptions } from "./synthetic-run";
