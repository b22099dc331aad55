import { MessageChannel } from "./channel";
import { createDuplexPair } from "./duplex-pair";
import { PeerGoneError, RemoteError, RequestTimeoutError, UnexpectedMessageError } from "./errors";
import type { Message } from "./messages";
import { SAMPLES } from "./sample-messages.test-helper";

function pair(chunkBytes = 0): [MessageChannel, MessageChannel] {
  const [a, b] = createDuplexPair({ chunkBytes });
  return [new MessageChannel(a, { closeTimeoutMs: 500 }), new MessageChannel(b, { closeTimeoutMs: 500 })];
}

describe("MessageChannel", () => {
  it("matches replies to requests by id, even out of order", async () => {
    const [client, server] = pair(3);
    const seen: Message[] = [];
    server.on("message", (m) => {
      seen.push(m);
      if (seen.length === 2) {
        // answer the second request first
        server.reply(seen[1], { type: "snapshot", snapshot: SAMPLES.snapshot.snapshot });
        server.reply(seen[0], { type: "wait", retryAfterMs: 10, reason: "busy" });
      }
    });
    const [r1, r2] = await Promise.all([client.request({ type: "ask" }), client.request({ type: "status" })]);
    expect(r1).toMatchObject({ type: "wait", retryAfterMs: 10 });
    expect(r2.type).toBe("snapshot");
    expect(seen.map((m) => m.type)).toEqual(["ask", "status"]);
    expect(typeof seen[0].id).toBe("number");
    await client.close();
  });

  it("falls back to FIFO when the peer does not echo ids", async () => {
    const [client, server] = pair();
    server.on("message", (m) => {
      if (m.type === "heartbeat") server.send({ type: "continue", trialId: m.trialId });
    });
    await expect(client.request({ type: "heartbeat", trialId: 3, epoch: 1 })).resolves.toEqual({
      type: "continue",
      trialId: 3,
    });
    client.destroy();
  });

  it("rejects a request answered by an error frame with a RemoteError carrying the code", async () => {
    const [client, server] = pair();
    server.on("message", (m) =>
      server.reply(m, {
        type: "error",
        code: "SEGNAS_E_UNKNOWN_TRIAL",
        message: "trial 9 is unknown",
        data: { trialId: 9 },
      }),
    );
    const err = await client.request({ ...SAMPLES.tell }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as RemoteError).code).toBe("SEGNAS_E_UNKNOWN_TRIAL");
    expect((err as RemoteError).data).toEqual({
      remoteCode: "SEGNAS_E_UNKNOWN_TRIAL",
      remoteData: { trialId: 9 },
    });
    expect(client.closed).toBe(false);
    client.destroy();
  });

  it("maps an unknown remote code to SEGNAS_E_INTERNAL, keeping it in data", () => {
    const e = new RemoteError("SEGNAS_E_FROM_THE_FUTURE", "x");
    expect(e.code).toBe("SEGNAS_E_INTERNAL");
    expect(e.data.remoteCode).toBe("SEGNAS_E_FROM_THE_FUTURE");
  });

  it("fails the connection on a reply of the wrong type", async () => {
    const [client, server] = pair();
    const serverErrors: Message[] = [];
    server.on("message", (m) => {
      if (m.type === "ask") server.reply(m, { type: "ack", trialId: 1, duplicate: false });
      else serverErrors.push(m);
    });
    await expect(client.request({ type: "ask" })).rejects.toBeInstanceOf(UnexpectedMessageError);
    const info = await client.whenClosed();
    expect(info.error?.code).toBe("SEGNAS_E_UNEXPECTED_MESSAGE");
    await server.whenClosed();
    expect(serverErrors.map((m) => m.type)).toEqual(["error"]);
  });

  it("answers garbage with an error frame naming the problem, then closes", async () => {
    const [raw, b] = createDuplexPair();
    const server = new MessageChannel(b, { closeTimeoutMs: 500 });
    const got: Buffer[] = [];
    raw.on("data", (c: Buffer) => got.push(c));
    const ended = new Promise((r) => raw.on("end", r));
    raw.write(Buffer.from([0, 0, 0, 2, 0xc1, 0xc1]));
    const info = await server.whenClosed();
    expect(info.error?.code).toBe("SEGNAS_E_BAD_MESSAGE");
    await ended;
    const { FrameDecoder } = await import("./frame-decoder");
    const msgs = new FrameDecoder().push(Buffer.concat(got));
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject({ type: "error", code: "SEGNAS_E_BAD_MESSAGE" });
    expect((msgs[0] as { message: string }).message).toMatch(/0xc1/);
    raw.destroy();
  });

  it("sends an error frame for a too-large frame header", async () => {
    const [raw, b] = createDuplexPair();
    const server = new MessageChannel(b, { maxFrameBytes: 1000 });
    const client = new MessageChannel(raw);
    const remote = new Promise<Message>((r) => client.on("message", r));
    raw.write(Buffer.from([0, 1, 0, 0]));
    expect((await server.whenClosed()).error?.code).toBe("SEGNAS_E_FRAME_TOO_LARGE");
    expect(await remote).toMatchObject({
      type: "error",
      code: "SEGNAS_E_FRAME_TOO_LARGE",
      data: { length: 65536, maxFrameBytes: 1000 },
    });
    const info = await client.whenClosed();
    expect(info.error?.code).toBe("SEGNAS_E_FRAME_TOO_LARGE");
  });

  it("reports a stream that ends inside a frame", async () => {
    const [raw, b] = createDuplexPair();
    const server = new MessageChannel(b);
    raw.end(Buffer.from([0, 0, 0, 9, 1]));
    const info = await server.whenClosed();
    expect(info.error?.code).toBe("SEGNAS_E_FRAME_TRUNCATED");
  });

  it("rejects pending requests when the peer goes away", async () => {
    const [client, server] = pair();
    const p = client.request({ type: "ask" });
    server.on("message", () => server.destroy());
    await expect(p).rejects.toBeInstanceOf(PeerGoneError);
    await expect(client.request({ type: "ask" })).rejects.toBeInstanceOf(PeerGoneError);
    expect(client.send(SAMPLES.ask)).toBe(false);
  });

  it("times out a request", async () => {
    const [client] = pair();
    await expect(client.request({ type: "status" }, { timeoutMs: 20 })).rejects.toBeInstanceOf(
      RequestTimeoutError,
    );
    client.destroy();
  });

  it("iterates unsolicited messages in order, including ones sent before iterating", async () => {
    const [client, server] = pair(1);
    client.send(SAMPLES.ask);
    client.send(SAMPLES.status);
    client.send(SAMPLES.heartbeat);
    await new Promise((r) => setTimeout(r, 20));
    const types: string[] = [];
    const done = (async () => {
      for await (const m of server) types.push(m.type);
    })();
    client.send(SAMPLES.tell);
    await new Promise((r) => setTimeout(r, 20));
    await client.close("finished");
    await done;
    expect(types).toEqual(["ask", "status", "heartbeat", "tell", "bye"]);
    expect(server.closed).toBe(true);
  });

  it("receive() times out and then still gets later messages", async () => {
    const [client, server] = pair();
    await expect(server.receive(10)).rejects.toBeInstanceOf(RequestTimeoutError);
    client.send(SAMPLES.ask);
    await expect(server.receive(1000)).resolves.toEqual(SAMPLES.ask);
    client.destroy();
    await expect(server.receive()).rejects.toBeInstanceOf(PeerGoneError);
  });

  it("closes both sides gracefully with bye", async () => {
    const [client, server] = pair();
    const byes: Message[] = [];
    server.on("message", (m) => byes.push(m));
    const closeEvents: string[] = [];
    server.on("close", (i) => closeEvents.push(i.reason));
    const info = await client.close("done here");
    expect(info.error).toBeUndefined();
    await server.whenClosed();
    expect(byes).toEqual([{ type: "bye", reason: "done here" }]);
    expect(closeEvents).toEqual(["peer closed the connection"]);
  });

  it("works over a real TCP socket", async () => {
    const net = await import("node:net");
    const srv = net.createServer((sock) => {
      const ch = new MessageChannel(sock);
      ch.on("message", (m) => {
        if (m.type === "status") ch.reply(m, SAMPLES.snapshot);
      });
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    const sock = net.connect(port, "127.0.0.1");
    const client = new MessageChannel(sock);
    const reply = await client.request({ type: "status" });
    expect(reply.snapshot).toEqual(SAMPLES.snapshot.snapshot);
    await client.close();
    await new Promise((r) => srv.close(r));
  });
});
