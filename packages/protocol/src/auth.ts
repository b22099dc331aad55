/**
 * Challenge-response authentication with a shared secret: the server sends a fresh random
 * nonce, the client proves it knows the secret with HMAC-SHA256(secret, nonce || workerId)
 * in hex. The secret itself never crosses the wire; proofs are compared in constant time.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** Bytes of randomness in a nonce (hex doubles it). */
export const NONCE_BYTES = 32;

/** A fresh random nonce, as hex. */
export function createNonce(bytes: number = NONCE_BYTES): string {
  return randomBytes(bytes).toString("hex");
}

/** HMAC-SHA256(secret, nonce || workerId) as lowercase hex (64 characters). */
export function computeAuthProof(secret: string | Uint8Array, nonce: string, workerId: string): string {
  return createHmac("sha256", secret).update(nonce, "utf8").update(workerId, "utf8").digest("hex");
}

/** True iff `proof` is the right HMAC for this nonce and worker; constant time in the proof's content. */
export function verifyAuthProof(
  secret: string | Uint8Array,
  nonce: string,
  workerId: string,
  proof: string | undefined,
): boolean {
  if (typeof proof !== "string" || !/^[0-9a-fA-F]{64}$/.test(proof)) return false;
  const expected = Buffer.from(computeAuthProof(secret, nonce, workerId), "hex");
  const given = Buffer.from(proof, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
