import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildConfig } from "@segnas/config";
import { refuseOpenWithoutSecret } from "./search-server";
import { tlsServerOptionsFromConfig } from "./tls-config";

describe("an open port needs a shared secret", () => {
  it("refuses a non-loopback address without a secret, naming SEGNAS_SECRET and the way out", () => {
    for (const host of ["", "0.0.0.0", "::", "10.1.2.3", undefined])
      expect(() => refuseOpenWithoutSecret({ host })).toThrow(
        expect.objectContaining({
          code: "SEGNAS_E_INSECURE",
          message: expect.stringMatching(
            /refusing to listen on .* without a shared secret.*SEGNAS_SECRET.*SEGNAS\.ALLOW_NO_SECRET True/,
          ),
        }),
      );
  });

  it("allows loopback, a secret, or an explicit opt-out (then reports the address as open)", () => {
    expect(refuseOpenWithoutSecret({ host: "127.0.0.1" })).toBe(false);
    expect(refuseOpenWithoutSecret({ host: "::1" })).toBe(false);
    expect(refuseOpenWithoutSecret({ host: "", secret: "s" })).toBe(false);
    expect(refuseOpenWithoutSecret({ host: "", allowNoSecret: true })).toBe(true);
  });
});

describe("tlsServerOptionsFromConfig", () => {
  it("is null without TLS keys and names the key of a missing file", () => {
    expect(tlsServerOptionsFromConfig(buildConfig().config)).toBeNull();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "segnas-tls-cfg-"));
    try {
      fs.writeFileSync(path.join(dir, "not-pem.txt"), "hello");
      const cfg = (cert: string, key: string) =>
        buildConfig({ overrides: ["SEGNAS.TLS_CERT", cert, "SEGNAS.TLS_KEY", key] }).config;
      expect(() =>
        tlsServerOptionsFromConfig(cfg(path.join(dir, "missing.pem"), path.join(dir, "k.pem"))),
      ).toThrow(/cannot read SEGNAS\.TLS_CERT .*missing\.pem \(no such file\)/);
      expect(() =>
        tlsServerOptionsFromConfig(cfg(path.join(dir, "not-pem.txt"), path.join(dir, "not-pem.txt"))),
      ).toThrow(/SEGNAS\.TLS_CERT .*not-pem\.txt is not a PEM file/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
