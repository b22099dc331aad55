/**
 * One readable line about the keys a config set that segnas does not act on, grouped by reason,
 * so a command can log it once at start-up instead of dropping the keys silently.
 */
import { ignoreReason } from "./key-specs";

/** "" when nothing is ignored; else e.g. "ignored config keys: FREEZE.MODEL_FILENAME (segnas has no ...); ...". */
export function describeIgnoredKeys(ignoredKeys: readonly string[]): string {
  if (ignoredKeys.length === 0) return "";
  const byReason = new Map<string, string[]>();
  for (const key of ignoredKeys) {
    const reason = ignoreReason(key) ?? "not used by segnas";
    byReason.set(reason, [...(byReason.get(reason) ?? []), key]);
  }
  const parts = [...byReason].map(([reason, keys]) => `${keys.join(", ")} (${reason})`);
  return `ignored config keys (accepted, not acted on): ${parts.join("; ")}`;
}
