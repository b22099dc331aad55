/**
 * "Did you mean ...?" for unknown keys: a case-insensitive match, the same last name in another
 * group (`NAS_PORT` -> `SLIM.NAS_PORT`), a near spelling (edit distance), or a key in the same
 * group whose name contains the given one (`SLIM.PORT` -> `SLIM.NAS_PORT`).
 */
import { KEY_SPECS } from "./key-specs";

const ALL_KEYS = KEY_SPECS.map((s) => s.key);

export function suggestKeys(input: string, max = 3): string[] {
  const want = input.trim().toUpperCase();
  if (want === "") return [];
  const exact = ALL_KEYS.filter((k) => k.toUpperCase() === want);
  if (exact.length > 0) return exact;

  const last = lastName(want);
  const group = want.includes(".") ? want.slice(0, want.lastIndexOf(".")) : "";
  const sameLast = ALL_KEYS.filter((k) => lastName(k) === last);

  const limit = Math.max(2, Math.round(want.length * 0.3));
  const near = ALL_KEYS.map((k) => ({ k, d: editDistance(want, k) }))
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k));
  const best = near.length > 0 ? near[0].d : 0;
  const nearest = near.filter((x) => x.d <= best + 1).map((x) => x.k);

  const contains =
    last.length >= 3
      ? ALL_KEYS.filter(
          (k) => groupOf(k) === group && (lastName(k).includes(last) || last.includes(lastName(k))),
        )
      : [];

  const found = [...new Set([...sameLast, ...nearest, ...contains])];
  if (found.length === 0 && last.length >= 4) {
    // Last resort: the name appears in exactly a few keys anywhere (`PORT` -> `SLIM.NAS_PORT`).
    const anywhere = ALL_KEYS.filter((k) => lastName(k).includes(last));
    if (anywhere.length <= max) return anywhere;
  }
  return found.slice(0, max);
}

function lastName(k: string): string {
  return k.slice(k.lastIndexOf(".") + 1);
}

function groupOf(k: string): string {
  return k.includes(".") ? k.slice(0, k.lastIndexOf(".")) : "";
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [
    i,
    ...new Array<number>(b.length).fill(0),
  ]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}
