/**
 * Controller-worker traffic over TLS (SEGNAS.TLS_CERT / TLS_KEY on the server, SEGNAS.TLS_CA on
 * workers, on top of the shared secret), with real processes and the fake trainer: a whole search,
 * `segnas status` (the containers' healthcheck) over TLS, and the clear refusals.
 */
import * as fs from "fs";
import { readTlsClientOptions, readTlsServerOptions } from "@segnas/protocol";
import { killAll, quick, readJournal, segnas, startServer, startWorker, tmpRunDir } from "./dist-helpers";
import { describeWithTools, makeCerts, type TestCerts } from "./deploy-helpers";

jest.setTimeout(120_000);
afterEach(killAll);

describeWithTools(["openssl"], "TLS between controller and workers", () => {
  let good: TestCerts;
  let other: TestCerts;
  beforeAll(() => {
    good = makeCerts("good", ["127.0.0.1", "localhost", "segnas-controller"]);
    other = makeCerts("other", ["127.0.0.1"]);
  });
  afterAll(() => {
    for (const c of [good, other]) if (c) fs.rmSync(c.dir, { recursive: true, force: true });
  });
  const serverEnv = (): Record<string, string> => ({
    SEGNAS_SECRET: "tls-test",
    SEGNAS_TLS_CERT: good.cert,
    SEGNAS_TLS_KEY: good.key,
  });

  it("a search over TLS finishes with exactly N results; the healthcheck (status) works over TLS", async () => {
    const runDir = tmpRunDir("tls");
    const N = 5;
    const overrides = quick(N);
    const { proc: server, port } = await startServer(runDir, overrides, { env: serverEnv() });
    expect(server.out()).toMatch(/listening on 127\.0\.0\.1:\d+ over TLS/);
    const slow = { SEGNAS_FAKE_EPOCH_MS: "1000", SEGNAS_SECRET: "tls-test", SEGNAS_TLS_CA: good.ca };
    const workers = [
      startWorker("w1", port, runDir, overrides, slow),
      // Dialled by address, checked against another name the certificate carries.
      startWorker("w2", port, runDir, overrides, { ...slow, SEGNAS_TLS_SERVERNAME: "segnas-controller" }),
    ];
    await workers[0].waitFor(/trial \d+: training/);
    // The images' healthcheck exactly: `segnas status --json`, configured only by the environment
    // (the run directory's server.json names the port). A busy machine may start it slowly: ask
    // again (bounded) until it got an answer.
    let status = "";
    for (let i = 0; i < 3 && !/searchSteps/.test(status); i++) {
      const st = segnas("status", ["status", "--json"], {
        SEGNAS_TRAIN__MODEL_SAVE_DIR: runDir,
        SEGNAS_SECRET: "tls-test",
        SEGNAS_TLS_CA: good.ca,
      });
      await st.exited;
      status = st.out() + st.err();
    }
    expect(status).toMatch(/"searchSteps": 5/);
    expect((await Promise.all(workers.map((w) => w.exited))).map((c) => c.code)).toEqual([0, 0]);
    expect((await server.exited).code).toBe(0);
    expect(readJournal(runDir).filter((e) => e.type === "trial-completed")).toHaveLength(N);
  });

  it("a worker with the wrong CA is refused at once with an error naming SEGNAS.TLS_CA", async () => {
    const runDir = tmpRunDir("tls-wrong");
    const overrides = quick(2);
    const { proc: server, port } = await startServer(runDir, overrides, { env: serverEnv() });
    const w = startWorker("wrong-ca", port, runDir, overrides, {
      SEGNAS_SECRET: "tls-test",
      SEGNAS_TLS_CA: other.ca,
    });
    const { code } = await w.exited;
    expect(code).toBe(4);
    expect(w.err()).toMatch(/error \[SEGNAS_E_TLS\]: .*does not vouch for.*SEGNAS\.TLS_CA/);
    // A name the certificate does not carry: the same kind of clear refusal.
    const n = startWorker("wrong-name", port, runDir, overrides, {
      SEGNAS_SECRET: "tls-test",
      SEGNAS_TLS_CA: good.ca,
      SEGNAS_TLS_SERVERNAME: "elsewhere.example",
    });
    expect((await n.exited).code).toBe(4);
    expect(n.err()).toMatch(/SEGNAS_E_TLS.*SEGNAS\.TLS_SERVERNAME/);
    // The server's log of the failed handshake may come a moment after the worker is gone.
    await server.waitFor(/TLS handshake from .* failed/);
    server.kill();
    await server.exited;
  });

  it("a TLS worker facing a plain server says the server does not speak TLS", async () => {
    const runDir = tmpRunDir("tls-plain");
    const overrides = quick(2);
    const { proc: server, port } = await startServer(runDir, overrides);
    const w = startWorker("tls-to-plain", port, runDir, overrides, { SEGNAS_TLS_CA: good.ca });
    expect((await w.exited).code).toBe(4);
    expect(w.err()).toMatch(/SEGNAS_E_TLS.*does not speak TLS/);
    server.kill();
    await server.exited;
  });

  it("bad TLS files fail at start, naming the key", () => {
    expect(() => readTlsServerOptions({ cert: good.cert, key: other.key })).toThrow(
      /SEGNAS\.TLS_CERT .* and SEGNAS\.TLS_KEY .* do not make a usable pair/,
    );
    expect(() => readTlsServerOptions({ cert: good.cert, key: "" })).toThrow(/SEGNAS\.TLS_KEY is not set/);
    expect(() => readTlsServerOptions({ cert: "/nonexistent.pem", key: good.key })).toThrow(
      /cannot read SEGNAS\.TLS_CERT \/nonexistent\.pem \(no such file\)/,
    );
    expect(() => readTlsClientOptions({ ca: good.key.replace("server.key", "missing") })).toThrow(
      /SEGNAS\.TLS_CA/,
    );
    expect(() => readTlsClientOptions({ ca: "", servername: "x" })).toThrow(/SEGNAS\.TLS_CA is not/);
    expect(readTlsClientOptions({ ca: "" })).toBeNull();
    expect(readTlsServerOptions({ cert: "", key: "" })).toBeNull();
  });
});
