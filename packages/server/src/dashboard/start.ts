/**
 * The launch hook: starts the dashboard beside the search port (SEGNAS.DASHBOARD_PORT, default
 * the search port + 1; 0 = off) and writes the static report when the search ends.
 */
import * as path from "node:path";
import type { SegConfig } from "@segnas/config";
import type { SearchSpace, TrialCost, TrialRecord } from "@segnas/core";
import { writeReport } from "@segnas/dashboard-ui";
import type { Logger } from "pino";
import type { Controller } from "../controller";
import { DashboardFeed } from "./feed";
import { DashboardServer } from "./http-server";

export interface Dashboard {
  readonly url: string;
  readonly feed: DashboardFeed;
  /** Tell it after every durable change (coalesced inside). */
  changed(): void;
  close(): Promise<void>;
}

/** The port the dashboard uses: -1 (default) = search port + 1, or any free port when that is 0. */
export function dashboardPort(config: SegConfig, searchPort: number): number | null {
  const p = config.SEGNAS.DASHBOARD_PORT;
  if (p === 0) return null;
  if (p > 0) return p;
  return searchPort > 0 && searchPort < 65535 ? searchPort + 1 : 0;
}

export async function startDashboard(opts: {
  config: SegConfig;
  controller: Controller;
  space: SearchSpace;
  costOf: (t: TrialRecord) => TrialCost | undefined;
  logger: Logger;
  searchPort: number;
}): Promise<Dashboard | null> {
  const port = dashboardPort(opts.config, opts.searchPort);
  if (port === null) return null;
  const feed = new DashboardFeed({
    controller: opts.controller,
    space: opts.space,
    costOf: opts.costOf,
    epochs: opts.config.SOLVER.NUM_EPOCHS,
  });
  const server = new DashboardServer({
    feed,
    space: opts.space,
    logger: opts.logger,
    host: opts.config.SEGNAS.DASHBOARD_ADDRESS || "127.0.0.1",
    port,
    secret: opts.config.SEGNAS.SECRET,
  });
  try {
    const url = await server.listen();
    return {
      url,
      feed,
      changed: () => feed.changed(),
      close: async () => {
        feed.tick();
        await server.close();
        feed.close();
      },
    };
  } catch (err) {
    feed.close();
    throw err;
  }
}

/** Writes RUN_DIR/report.html from the live state; returns its path, or null on failure (logged). */
export function writeRunReport(feed: DashboardFeed, runDir: string, logger: Logger): string | null {
  const out = path.join(runDir, "report.html");
  try {
    feed.tick();
    const snap = feed.snapshot();
    // The HTML only: rendering the SVG/PNG images costs seconds, `segnas report` makes them.
    writeReport({ ...snap, report: { generatedAt: Date.now(), runDir: path.resolve(runDir) } }, out, {
      images: false,
    });
    return out;
  } catch (err) {
    logger.warn(
      { err },
      `could not write ${out}: ${(err as Error).message}; \`segnas report ${runDir}\` makes it later`,
    );
    return null;
  }
}
