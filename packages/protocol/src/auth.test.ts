import { createHmac } from "node:crypto";
import { computeAuthProof, createNonce, verifyAuthProof } from "./auth";

describe("auth", () => {
  const nonce = "00ff".repeat(16);

  it("computes HMAC-SHA256(secret, nonce || workerId) in hex", () => {
    const expected = createHmac("sha256", "s3cret")
      .update(nonce + "w1")
      .digest("hex");
    expect(computeAuthProof("s3cret", nonce, "w1")).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it("accepts the right proof and rejects wrong ones", () => {
    const proof = computeAuthProof("s3cret", nonce, "w1");
    expect(verifyAuthProof("s3cret", nonce, "w1", proof)).toBe(true);
    expect(verifyAuthProof("s3cret", nonce, "w1", proof.toUpperCase())).toBe(true);
    expect(verifyAuthProof("other", nonce, "w1", proof)).toBe(false);
    expect(verifyAuthProof("s3cret", nonce, "w2", proof)).toBe(false);
    expect(verifyAuthProof("s3cret", "11".repeat(32), "w1", proof)).toBe(false);
    expect(verifyAuthProof("s3cret", nonce, "w1", undefined)).toBe(false);
    expect(verifyAuthProof("s3cret", nonce, "w1", proof.slice(2))).toBe(false);
    expect(verifyAuthProof("s3cret", nonce, "w1", `${proof.slice(0, 63)}g`)).toBe(false);
  });

  it("makes fresh hex nonces", () => {
    const a = createNonce();
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(createNonce()).not.toBe(a);
  });
});
