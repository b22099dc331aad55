/**
 * Who may see the dashboard. On a loopback address: anyone on this host (like the search port
 * without a secret). Anywhere else: only holders of SEGNAS.SECRET, given once as `?token=` in the
 * URL the server prints (answered with an HttpOnly cookie and a redirect that drops it from the
 * address bar), or as `Authorization: Bearer` for scripts. The cookie holds a hash of the secret,
 * never the secret itself.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

export const COOKIE = "segnas_dashboard";

export function cookieValue(secret: string): string {
  return createHash("sha256").update(`segnas-dashboard\0${secret}`).digest("base64url");
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export type AuthResult = "ok" | "set-cookie" | "denied";

/** Checks a request; "set-cookie" when it carried a valid ?token= (the caller sets the cookie). */
export function checkAuth(req: IncomingMessage, url: URL, secret: string | null): AuthResult {
  if (secret === null) return "ok";
  const token = url.searchParams.get("token");
  if (token !== null && same(token, secret)) return "set-cookie";
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "");
  if (bearer && same((bearer[1] as string).trim(), secret)) return "ok";
  const want = cookieValue(secret);
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === COOKIE && same(v.join("="), want)) return "ok";
  }
  return "denied";
}
