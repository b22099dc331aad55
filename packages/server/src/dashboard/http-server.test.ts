/**
 * The dashboard's HTTP server in-process: JSON endpoints follow the controller, SSE resumes
 * from a cursor (Last-Event-ID) with only what changed, and off loopback a token is required.
 */
import * as http from "node:http";
import { buildConfig } from "@segnas/config";
import pino from "pino";
import { launchServer, type LaunchedServer } from "../launch";
import { testStrategies } from "../testing/test-strategies";
import { DashboardFeed } from "./feed";
import { DashboardServer } from "./http-server";

const logger = pino({ level: "silent" });
const caps = { backend: "fake", device: "cpu", hostname: "h", pid: 1, segnasVersion: "0" };

function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, headers }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
  });
}

/** The first SSE event of /api/events (then the connection is dropped). */
function firstEvent(
  port: number,
  headers: Record<string, string>,
  query = "",
): Promise<{ id: number; data: { rev: number; trials: Array<{ id: number }> } }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path: `/api/events${query}`, headers }, (res) => {
      let buf = "";
      res.on("data", (d: Buffer) => {
        buf += d.toString();
        const m = /id: (\d+)\nevent: update\ndata: (.*)\n\n/.exec(buf);
        if (m) {
          req.destroy();
          resolve({ id: Number(m[1]), data: JSON.parse(m[2] as string) });
        }
      });
    });
    req.on("error", (e) => (String(e).includes("socket hang up") ? undefined : reject(e)));
  });
}

async function launch(): Promise<LaunchedServer> {
  const { config } = buildConfig({
    overrides: [
      "SLIM.NAS_SPACE_NAME",
      "MobileNetV2SpaceSeg",
      "SLIM.NAS_SEARCH_STEPS",
      "5",
      "TRAIN_CROP_SIZE",
      "(64,48)",
    ],
    env: {},
  });
  return launchServer({ config, runDir: null, logger, strategies: testStrategies, noListen: true });
}

async function runTrial(l: LaunchedServer, worker: string): Promise<number> {
  const reply = await l.controller.ask(worker);
  if (reply?.type !== "trial") throw new Error("no trial");
  l.controller.heartbeat(worker, {
    type: "heartbeat",
    trialId: reply.trialId,
    epoch: 1,
    metric: 0.2,
  } as never);
  await l.controller.tell(worker, {
    type: "tell",
    trialId: reply.trialId,
    reward: 0.5,
    metrics: {},
    curve: [0.2, 0.5],
    durationMs: 10,
  } as never);
  return reply.trialId;
}

describe("dashboard http server", () => {
  let l: LaunchedServer;
  let feed: DashboardFeed;
  let server: DashboardServer;

  afterEach(async () => {
    await server?.close();
    feed?.close();
    await l?.close();
  });

  it("serves the page, the JSON endpoints and SSE that resumes from a cursor", async () => {
    l = await launch();
    feed = new DashboardFeed({ controller: l.controller, space: l.space, costOf: l.costOf, epochs: 2 });
    server = new DashboardServer({ feed, space: l.space, logger, host: "127.0.0.1", port: 0, secret: "" });
    const url = await server.listen();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const port = server.port;
    l.controller.connect("w1", "s1", caps);
    await runTrial(l, "w1");
    feed.tick();

    const page = await get(port, "/");
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/assets\/app\.js/);
    const study = JSON.parse((await get(port, "/api/study")).body);
    expect(study).toMatchObject({
      budget: 5,
      completed: 1,
      running: 0,
      space: { name: "MobileNetV2SpaceSeg" },
    });
    const trials = JSON.parse((await get(port, "/api/trials?after=0")).body);
    expect(trials.trials).toHaveLength(1);
    expect(trials.trials[0]).toMatchObject({ id: 1, status: "completed", reward: 0.5, worker: "w1" });
    expect(trials.trials[0].params).toBeGreaterThan(0);
    const workers = JSON.parse((await get(port, "/api/workers")).body);
    expect(workers.workers[0]).toMatchObject({ workerId: "w1", connected: true, backend: "fake" });
    expect(workers.spans[0]).toMatchObject({ trialId: 1, worker: "w1", outcome: "completed" });
    const arch = JSON.parse((await get(port, "/api/trials/1/arch")).body);
    expect(arch.arch.blocks.length).toBeGreaterThan(0);
    expect((await get(port, "/api/trials/99")).status).toBe(404);
    expect((await get(port, "/nope")).status).toBe(404);

    // A first connection gets everything; one that resumes from its cursor only what is newer.
    const first = await firstEvent(port, {});
    expect(first.data.trials.map((t) => t.id)).toEqual([1]);
    await runTrial(l, "w1");
    feed.tick();
    const resumed = await firstEvent(port, { "last-event-id": String(first.id) });
    expect(resumed.data.trials.map((t) => t.id)).toEqual([2]);
    expect(resumed.id).toBeGreaterThan(first.id);
    const viaQuery = await firstEvent(port, {}, `?after=${resumed.id}`);
    expect(viaQuery.data.trials).toEqual([]);
    // The trials endpoint takes the same cursor.
    expect(
      JSON.parse((await get(port, `/api/trials?after=${first.id}`)).body).trials.map(
        (t: { id: number }) => t.id,
      ),
    ).toEqual([2]);
  });

  it("off loopback: refuses without the token (401), trades ?token= for an HttpOnly cookie", async () => {
    l = await launch();
    feed = new DashboardFeed({ controller: l.controller, space: l.space, costOf: l.costOf, epochs: 2 });
    expect(
      () => new DashboardServer({ feed, space: l.space, logger, host: "0.0.0.0", port: 0, secret: "" }),
    ).toThrow(/not a loopback address, without a secret: set SEGNAS\.SECRET/);
    server = new DashboardServer({
      feed,
      space: l.space,
      logger,
      host: "0.0.0.0",
      port: 0,
      secret: "s3cret",
    });
    const url = await server.listen();
    expect(url).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/\?token=s3cret$/);
    const port = server.port;
    for (const p of ["/", "/api/study", "/api/trials", "/api/events", "/assets/app.js"])
      expect((await get(port, p)).status).toBe(401);
    expect((await get(port, "/?token=wrong")).status).toBe(401);
    const login = await get(port, "/?token=s3cret");
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe("/");
    const cookie = String(login.headers["set-cookie"]);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).not.toMatch(/s3cret/);
    const jar = cookie.split(";")[0] as string;
    expect((await get(port, "/api/study", { cookie: jar })).status).toBe(200);
    expect((await get(port, "/api/study", { authorization: "Bearer s3cret" })).status).toBe(200);
  });
});
