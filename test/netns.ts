/**
 * Hosts made with network namespaces for the real-network tests: one controller namespace and
 * one per worker, each worker linked to the controller by its own veth pair (10.200.<i>.1 on the
 * controller's side, 10.200.<i>.2 on the worker's; the addresses exist only inside these
 * namespaces). Packet loss and partitions are nftables rules in the worker's namespace (random
 * drops with numgen; drop everything); latency is tc netem where the kernel has it, else a relay
 * in the controller's namespace that holds every chunk for the delay (fixtures/delay-relay.js).
 * Names carry a per-run prefix; `destroy` removes everything (call it in afterEach). Needs root,
 * iproute2 and nftables (.ci/apt/faults.txt).
 */
import { execFileSync, spawn, type ChildProcess } from "child_process";
import { randomBytes } from "crypto";
import * as path from "path";

export interface Shape {
  readonly delayMs?: number;
  /** Percent of packets dropped, each way. */
  readonly lossPct?: number;
}

export interface Hosts {
  /** Namespace of the controller. */
  readonly controller: string;
  /** Namespace of worker i (1-based). */
  worker(i: number): string;
  /** host:port where worker i reaches a controller listening on `port` (through the relay when there is one). */
  controllerAddress(i: number, port: number): string;
  /** Latency and loss on worker i's link, both ways. Set it before worker i connects. */
  shape(i: number, shape: Shape, port: number): Promise<void>;
  /** Drops every packet on worker i's link, both ways (no RST, no FIN: a partition). */
  partition(i: number): void;
  /** Ends a partition (back to `shape`'s loss). */
  heal(i: number): void;
  /** Removes worker i's link at once (a host that vanishes: nothing more goes either way). */
  cut(i: number): void;
  /** How latency is made here: "netem" or "relay". */
  readonly latencyBy: "netem" | "relay";
  destroy(): void;
}

function run(cmd: string, ...args: string[]): void {
  execFileSync(cmd, args, { stdio: "pipe" });
}

function inNs(ns: string, ...cmd: string[]): void {
  execFileSync("ip", ["netns", "exec", ns, ...cmd], { stdio: "pipe" });
}

function hasNetem(ns: string): boolean {
  try {
    inNs(ns, "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms");
    inNs(ns, "tc", "qdisc", "del", "dev", "lo", "root");
    return true;
  } catch {
    return false;
  }
}

export function makeHosts(workers: number): Hosts {
  const prefix = `sg${randomBytes(3).toString("hex")}`;
  const controller = `${prefix}-c`;
  const worker = (i: number): string => `${prefix}-w${i}`;
  const cEnd = (i: number): string => `${prefix}c${i}`;
  const wEnd = (i: number): string => `${prefix}w${i}`;
  const created: string[] = [];
  const relays = new Map<number, { child: ChildProcess; port: number }>();
  const loss = new Map<number, number>();
  const destroy = (): void => {
    for (const r of relays.values()) r.child.kill("SIGKILL");
    relays.clear();
    for (const ns of created.splice(0).reverse()) {
      try {
        run("ip", "netns", "del", ns);
      } catch {
        // already gone
      }
    }
  };
  let latencyBy: "netem" | "relay" = "relay";
  try {
    run("ip", "netns", "add", controller);
    created.push(controller);
    inNs(controller, "ip", "link", "set", "lo", "up");
    latencyBy = hasNetem(controller) ? "netem" : "relay";
    for (let i = 1; i <= workers; i++) {
      const ns = worker(i);
      run("ip", "netns", "add", ns);
      created.push(ns);
      inNs(ns, "ip", "link", "set", "lo", "up");
      run(
        "ip",
        "link",
        "add",
        cEnd(i),
        "netns",
        controller,
        "type",
        "veth",
        "peer",
        "name",
        wEnd(i),
        "netns",
        ns,
      );
      inNs(controller, "ip", "addr", "add", `10.200.${i}.1/24`, "dev", cEnd(i));
      inNs(controller, "ip", "link", "set", cEnd(i), "up");
      inNs(ns, "ip", "addr", "add", `10.200.${i}.2/24`, "dev", wEnd(i));
      inNs(ns, "ip", "link", "set", wEnd(i), "up");
      // The worker's filter: loss and partitions are rules in chain "in" and "out".
      inNs(ns, "nft", "add", "table", "inet", "segnas");
      inNs(ns, "nft", "add", "chain", "inet", "segnas", "in", "{ type filter hook input priority 0; }");
      inNs(ns, "nft", "add", "chain", "inet", "segnas", "out", "{ type filter hook output priority 0; }");
    }
  } catch (e) {
    destroy();
    throw e;
  }
  const setRules = (i: number, rule: string[] | null): void => {
    for (const chain of ["in", "out"]) {
      inNs(worker(i), "nft", "flush", "chain", "inet", "segnas", chain);
      // only the veth: the worker's own loopback stays clean
      if (rule) inNs(worker(i), "nft", "add", "rule", "inet", "segnas", chain, ...rule);
    }
  };
  const lossRule = (i: number): string[] | null => {
    const pct = loss.get(i) ?? 0;
    return pct > 0 ? ["numgen", "random", "mod", "100", "<", String(pct), "drop"] : null;
  };
  return {
    controller,
    worker,
    latencyBy,
    controllerAddress(i, port) {
      const r = relays.get(i);
      return `10.200.${i}.1:${r ? r.port : port}`;
    },
    async shape(i, shape, port) {
      loss.set(i, shape.lossPct ?? 0);
      setRules(i, lossRule(i));
      const delay = shape.delayMs ?? 0;
      if (delay <= 0) return;
      if (latencyBy === "netem") {
        // each end delays what it sends: each direction gets the full delay
        inNs(controller, "tc", "qdisc", "replace", "dev", cEnd(i), "root", "netem", "delay", `${delay}ms`);
        inNs(worker(i), "tc", "qdisc", "replace", "dev", wEnd(i), "root", "netem", "delay", `${delay}ms`);
        return;
      }
      const relayPort = port + 100 + i;
      const relay = path.join(__dirname, "fixtures", "delay-relay.js");
      const child = spawn(
        "ip",
        [
          "netns",
          "exec",
          controller,
          process.execPath,
          relay,
          `10.200.${i}.1`,
          String(relayPort),
          "127.0.0.1",
          String(port),
          String(delay),
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      relays.set(i, { child, port: relayPort });
      await new Promise<void>((resolve, reject) => {
        child.once("exit", (code) => reject(new Error(`the delay relay exited (${code})`)));
        child.stdout?.on("data", (d: Buffer) => /relay listening/.test(d.toString()) && resolve());
      });
    },
    partition(i) {
      setRules(i, ["drop"]);
    },
    heal(i) {
      setRules(i, lossRule(i));
    },
    cut(i) {
      inNs(controller, "ip", "link", "del", cEnd(i));
    },
    destroy,
  };
}

/** Namespaces and filters, or: throws in CI, returns null (after saying why) elsewhere. */
export function hostsOrSkip(workers: number, what: string): Hosts | null {
  try {
    return makeHosts(workers);
  } catch (e) {
    const why = String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim();
    if (process.env.CI) throw new Error(`${what}: cannot make network namespaces (${why})`);
    console.warn(`skipping ${what}: cannot make network namespaces (${why})`);
    return null;
  }
}
