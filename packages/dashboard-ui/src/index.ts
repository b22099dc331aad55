/**
 * @segnas/dashboard-ui — the dashboard's front end and the static report.
 *
 * - The browser bundle (src/browser, built by `npm run build:ui` with esbuild into
 *   dist/assets/app.js + app.css): the server serves it by path (`ASSETS_DIR`), the report
 *   inlines it (`readAssets`).
 * - The JSON contract between server and page (`DashSnapshot`, `DashTrial`, ...).
 * - Pure analysis used by both: `paretoFront` (O(n log n)), `choiceImportance`, `rewardHistory`.
 * - `writeReport` / `reportHtml` / `plotSvgs` / `svgToPng`: the one-file report and its images.
 * It imports no other segnas package: the server depends on it, never the other way.
 */
export type {
  DashSnapshot,
  DashStudy,
  DashTrial,
  DashWorker,
  DashSpan,
  DashSpace,
  DashStrategy,
  DashUpdate,
  DashTrialStatus,
} from "./model";
export { paretoFront, choiceImportance, rewardHistory, topFraction } from "./analysis";
export type { ParetoPoint, ChoiceImportance } from "./analysis";
export { packTrials, unpackTrials, type PackedTrials } from "./pack";
export { ASSETS_DIR, readAssets, pageHtml, type DashboardAssets } from "./assets";
export {
  reportHtml,
  plotSvgs,
  svgToPng,
  writeReport,
  type PlotImage,
  type WrittenReport,
} from "./report/render";
