/** Small number formatting shared by commands that print tables. */

/** 1816331 -> "1,816,331". */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** 5704973235 -> "5.70 GFLOPs" (K, M, G, T with three significant-ish digits). */
export function formatFlops(n: number): string {
  const units: [number, string][] = [
    [1e12, "T"],
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "K"],
  ];
  for (const [scale, prefix] of units) {
    if (Math.abs(n) >= scale) return `${(n / scale).toFixed(2)} ${prefix}FLOPs`;
  }
  return `${n} FLOPs`;
}

/** Text table, right-aligned except the first `leftColumns` columns; the first row is the header. */
export function formatTable(rows: (string | number)[][], indent = "  ", leftColumns = 0): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]?.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length))) ?? [];
  const pad = (c: string, i: number): string =>
    i < leftColumns ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0);
  return cells.map((r) => (indent + r.map(pad).join("  ")).trimEnd()).join("\n");
}
