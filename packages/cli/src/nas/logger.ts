/**
 * The root logger of the commands that log (the distributed ones and train-arch): human lines
 * on stderr (time, level, [who], message), or raw pino JSON with --json / SEGNAS_LOG_FORMAT=json.
 * Level: SEGNAS_LOG_LEVEL. `out` replaces the stderr writer of the human lines.
 */
import pino, { type Logger } from "pino";

export function nasLogger(
  options: {
    json?: boolean;
    name?: string;
    out?: (text: string) => void;
    /** Sees each record of the human format (the live status block reads training ETAs). */
    onRecord?: (record: Record<string, unknown>) => void;
  } = {},
): Logger {
  const level = process.env.SEGNAS_LOG_LEVEL ?? "info";
  const base = options.name ? { name: options.name } : undefined;
  if (options.json || process.env.SEGNAS_LOG_FORMAT === "json") {
    return pino({ level, base: base ?? null }, pino.destination(2));
  }
  return pino(
    { level, base: base ?? null },
    {
      write(line: string) {
        const r = JSON.parse(line) as {
          level: number;
          time: number;
          msg?: string;
          name?: string;
          err?: { message?: string };
        };
        options.onRecord?.(r);
        const t = new Date(r.time).toISOString().slice(11, 19);
        const who = r.name ? `[${r.name}] ` : "";
        const err = r.err?.message && !(r.msg ?? "").includes(r.err.message) ? ` (${r.err.message})` : "";
        // `out`: a live status block (live-status.ts) that keeps itself below the log lines.
        (options.out ?? ((s: string) => process.stderr.write(s)))(
          `${t} ${(pino.levels.labels[r.level] ?? "info").padEnd(5)} ${who}${r.msg ?? ""}${err}\n`,
        );
      },
    },
  );
}
