/**
 * docker/slurm/ for real: a one-node Slurm cluster on this machine (test/slurm/one-node-cluster.sh:
 * munged with a key made on the spot, slurmctld, slurmd; no cgroups, no accounting), brought up once
 * for this file. segnas.sbatch runs a whole search with CPU workers (the fake trainer: trials take
 * a fraction of a second) and leaves exactly N results; requeued mid-run it resumes from the
 * journal; segnas-workers.sbatch array tasks join a running controller.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT, BIN } from "./helpers";
import { DEMO_CFG, readJournal, readTrials } from "./dist-helpers";
import { describeWithTools, makeCerts } from "./deploy-helpers";

jest.setTimeout(240_000);

const CLUSTER = path.join(ROOT, "test", "slurm", "one-node-cluster.sh");
const SBATCH = path.join(ROOT, "docker", "slurm", "segnas.sbatch");
const WORKERS = path.join(ROOT, "docker", "slurm", "segnas-workers.sbatch");

describeWithTools(
  ["munged", "slurmctld", "slurmd", "sbatch", "scontrol", "openssl"],
  "Slurm (one-node cluster)",
  () => {
    let dir = "";
    let env: NodeJS.ProcessEnv = {};
    const run = (cmd: string, args: string[]): string =>
      execFileSync(cmd, args, { cwd: dir, env, encoding: "utf8", timeout: 60_000 });
    const sbatch = (args: string[], extraEnv: Record<string, string> = {}): string =>
      execFileSync("sbatch", ["--parsable", ...args], {
        cwd: dir,
        env: { ...env, ...extraEnv },
        encoding: "utf8",
        timeout: 60_000,
      })
        .trim()
        .split(";")[0];
    const job = (id: string): Record<string, string> => {
      const text = run("scontrol", ["show", "job", "-o", id]);
      return Object.fromEntries(
        text
          .trim()
          .split(/\s+/)
          .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
      );
    };
    const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
    /** Polls until `pred` holds (bounded: a failing test must end by itself). */
    const until = async (what: string, pred: () => boolean, ms = 180_000): Promise<void> => {
      const end = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${logs()}`);
        await sleep(500);
      }
    };
    const finished = (id: string): boolean =>
      /^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY)/.test(job(id).JobState ?? "");
    const logs = (): string =>
      fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".out"))
        .map((f) => `--- ${f}\n${fs.readFileSync(path.join(dir, f), "utf8").slice(-3000)}`)
        .join("\n");
    const completed = (runDir: string): number[] =>
      fs.existsSync(path.join(runDir, "journal.jsonl"))
        ? readJournal(runDir)
            .filter((e) => e.type === "trial-completed")
            .map((e) => e.trialId as number)
        : [];
    const search = (steps: number): string[] => [
      "--cfg",
      DEMO_CFG,
      "SLIM.NAS_SEARCH_STEPS",
      String(steps),
      "SOLVER.NUM_EPOCHS",
      "2",
    ];

    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "segnas-slurm-"));
      execFileSync("bash", [CLUSTER, "start", path.join(dir, "cluster"), "4"], {
        encoding: "utf8",
        timeout: 120_000,
      });
      env = {
        ...process.env,
        SLURM_CONF: path.join(dir, "cluster", "slurm.conf"),
        SEGNAS_BIN: `${process.execPath} ${BIN}`,
        SEGNAS_FAKE_TRAINER: "1",
        SEGNAS_FAKE_EPOCH_MS: "200",
        SEGNAS_HEARTBEAT_SECONDS: "0.5",
        // A resumed controller keeps the leases of trials that ran at the requeue this long.
        SEGNAS_LEASE_SECONDS: "5",
      };
      delete env.SEGNAS_SECRET;
      // segnas.sbatch tells workers to dial `hostname`; where that name does not resolve (some CI
      // containers), the loopback address stands in for it.
      if (spawnSync("getent", ["hosts", os.hostname()]).status !== 0)
        env.SEGNAS_CONTROLLER_HOST = "127.0.0.1";
    });
    afterAll(() => {
      if (!dir) return;
      try {
        execFileSync("scancel", ["--full", "--user", os.userInfo().username], { env, timeout: 30_000 });
      } catch {
        // nothing queued, or the cluster is already down
      }
      execFileSync("bash", [CLUSTER, "stop", path.join(dir, "cluster")], { timeout: 60_000 });
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it("sbatch -n 3 runs the controller and one worker per task: exactly N results in the run directory", async () => {
      const N = 9;
      const id = sbatch(["-n", "3", SBATCH, ...search(N)]);
      await until(`job ${id} to end`, () => finished(id));
      const out = fs.readFileSync(path.join(dir, `segnas-${id}.out`), "utf8");
      expect(job(id).JobState).toBe("COMPLETED");
      const runDir = path.join(dir, "runs", `slurm-${id}`);
      const ids = completed(runDir);
      expect(ids).toHaveLength(N);
      expect(new Set(ids).size).toBe(N);
      expect(readTrials(runDir).filter((t) => t.status === "completed")).toHaveLength(N);
      expect(out).toMatch(new RegExp(`search finished: all ${N} search steps have a reward`));
      // Three workers (one per task), each told "done".
      expect(out.match(/worker finished \(done/g)).toHaveLength(3);
      // A secret was made (the controller listens on all interfaces) and kept out of the log.
      const secret = fs.readFileSync(path.join(runDir, ".secret"), "utf8");
      expect(secret).toMatch(/^[0-9a-f]{32}$/);
      expect(out).not.toContain(secret);
    });

    it("requeued mid-run, the job resumes the study from its journal and still ends with exactly N results", async () => {
      const N = 12;
      const id = sbatch(["-n", "2", SBATCH, ...search(N)], { SEGNAS_FAKE_EPOCH_MS: "400" });
      const runDir = path.join(dir, "runs", `slurm-${id}`);
      await until("a few results before the requeue", () => completed(runDir).length >= 3);
      run("scontrol", ["requeue", id]);
      // A requeued job waits for a begin time (two minutes): start it again now, once it is pending.
      await until(`job ${id} to restart`, () => {
        const j = job(id);
        if (j.JobState === "PENDING") run("scontrol", ["update", `JobId=${id}`, "StartTime=now"]);
        return j.Restarts === "1" && (j.JobState === "RUNNING" || j.JobState === "COMPLETED");
      });
      await until(`job ${id} to end after the requeue`, () => finished(id));
      expect(job(id).JobState).toBe("COMPLETED");
      const out = fs.readFileSync(path.join(dir, `segnas-${id}.out`), "utf8");
      const resumed = /resumed at (\d+)\/12 steps/.exec(out);
      expect(resumed).not.toBeNull();
      expect(Number(resumed?.[1])).toBeGreaterThanOrEqual(3);
      const ids = completed(runDir);
      expect(ids).toHaveLength(N);
      expect(new Set(ids).size).toBe(N);
      expect(out).toMatch(/search finished: all 12 search steps have a reward/);
    });

    it("segnas-workers.sbatch array tasks join a running controller through its run directory, over TLS", async () => {
      const N = 8;
      const runDir = path.join(dir, "runs", "joined");
      // The certificate names the host the controller's node is dialled by (`hostname`).
      const certs = makeCerts("slurm", [os.hostname(), "127.0.0.1"]);
      const tls = {
        SEGNAS_TLS_CERT: certs.cert,
        SEGNAS_TLS_KEY: certs.key,
        SEGNAS_TLS_CA: certs.ca,
        SEGNAS_FAKE_EPOCH_MS: "600",
      };
      // One worker of its own, slow enough that the array tasks arrive while the search runs.
      const id = sbatch(["-n", "1", SBATCH, "--run-dir", runDir, ...search(N)], tls);
      const arr = sbatch(["--array=0-1", WORKERS, "--run-dir", runDir, ...search(N)], tls);
      await until(`job ${id} to end`, () => finished(id));
      await until(`array ${arr} to end`, () => finished(`${arr}_0`) && finished(`${arr}_1`));
      expect(job(id).JobState).toBe("COMPLETED");
      expect([job(`${arr}_0`).JobState, job(`${arr}_1`).JobState]).toEqual(["COMPLETED", "COMPLETED"]);
      const ids = completed(runDir);
      expect(ids).toHaveLength(N);
      expect(new Set(ids).size).toBe(N);
      const workers = new Set(
        readJournal(runDir)
          .filter((e) => e.type === "trial-completed")
          .map((e) => e.worker),
      );
      expect(workers.size).toBeGreaterThan(1);
      fs.rmSync(certs.dir, { recursive: true, force: true });
    });
  },
);
