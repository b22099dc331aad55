/**
 * Child process of the preflight backend check: selects and proves the backend (a tiny forward
 * and backward step) exactly as a trial's child would, answers once and exits.
 */
import { isSegnasError } from "@segnas/core";
import { selectBackend, type BackendPreference } from "../backend";

process.once("message", (m: unknown) => {
  const pref = ((m as { backend?: string } | null)?.backend ?? "auto") as BackendPreference;
  selectBackend(pref).then(
    (s) => finish({ ok: true, backend: s.backend }),
    (e: unknown) =>
      finish({
        ok: false,
        code: isSegnasError(e) ? e.code : "SEGNAS_E_BACKEND",
        message: e instanceof Error ? e.message : String(e),
      }),
  );
});

function finish(reply: Record<string, unknown>): void {
  if (!process.send) process.exit(1);
  process.send(reply, undefined, {}, () => process.exit(0));
}

process.on("disconnect", () => process.exit(0));
