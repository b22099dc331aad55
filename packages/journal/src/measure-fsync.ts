/**
 * What one durable append costs on this disk: writes a small line and fdatasyncs it `n` times
 * in a scratch file inside `dir` (so the same filesystem as the journal), then removes it. The
 * write and the fdatasync are synchronous, as in FileJournal's group commit.
 */
import { fdatasyncSync, promises as fs, writeSync } from "node:fs";
import * as path from "node:path";

export interface FsyncStats {
  n: number;
  totalMs: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export async function measureFsync(dir: string, n: number): Promise<FsyncStats> {
  if (!Number.isSafeInteger(n) || n < 1)
    throw new RangeError(`measureFsync: n must be a positive integer, got ${n}`);
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `.fsync-probe-${process.pid}-${Date.now()}`);
  const fh = await fs.open(file, "a");
  const line = Buffer.from(`${JSON.stringify({ seq: 0, event: { probe: "x".repeat(64) } })}\n`);
  const times: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      writeSync(fh.fd, line);
      fdatasyncSync(fh.fd);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  } finally {
    await fh.close();
    await fs.rm(file, { force: true });
  }
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const totalMs = times.reduce((a, b) => a + b, 0);
  return {
    n,
    totalMs,
    meanMs: totalMs / n,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: sorted[sorted.length - 1],
  };
}
