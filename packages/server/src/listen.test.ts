import * as net from "node:net";
import { checkPort, listenWithRetry } from "./listen";

describe("port numbers", () => {
  it("accepts 0..65535 and names the source of a bad one", () => {
    expect(() => checkPort(0, "--port")).not.toThrow();
    expect(() => checkPort(65535, "--port")).not.toThrow();
    expect(() => checkPort(99999, "--port")).toThrow(/--port must be an integer from 0 to 65535.*got 99999/);
    expect(() => checkPort(Number("abc"), "--port")).toThrow(/got something that is not a number/);
    expect(() => checkPort(1.5, "--port")).toThrow(
      expect.objectContaining({ code: "SEGNAS_E_BAD_ARGUMENT" }),
    );
  });

  it("listenWithRetry refuses a bad port instead of crashing inside node:net", async () => {
    const server = net.createServer();
    await expect(
      listenWithRetry(server, { host: "127.0.0.1", port: 70000, retrySeconds: 0 }),
    ).rejects.toMatchObject({ code: "SEGNAS_E_BAD_ARGUMENT" });
    expect(server.listening).toBe(false);
  });
});
