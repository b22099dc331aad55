import { MessageChannel } from "./channel";
import { createDuplexPair } from "./duplex-pair";
import { AuthError, ProtocolVersionError, RemoteError } from "./errors";
import { clientHandshake, serverHandshake, type ServerHandshakeOptions } from "./handshake";
import { PROTOCOL_VERSION } from "./version";
import { CAPS, SAMPLES } from "./sample-messages.test-helper";

const welcome: ServerHandshakeOptions["welcome"] = () => ({
  protocolVersion: PROTOCOL_VERSION,
  sessionId: "sess-9",
  study: SAMPLES.welcome.study,
  heartbeatSeconds: 5,
  leaseSeconds: 30,
});

function pair(): [MessageChannel, MessageChannel] {
  const [a, b] = createDuplexPair();
  return [new MessageChannel(a, { closeTimeoutMs: 200 }), new MessageChannel(b, { closeTimeoutMs: 200 })];
}

async function run(serverSecret: string | undefined, clientSecret: string | undefined) {
  const [client, server] = pair();
  const s = serverHandshake(server, { secret: serverSecret, welcome }).catch((e: unknown) => e);
  const c = clientHandshake(client, { workerId: "w:1:0", capabilities: CAPS, secret: clientSecret }).catch(
    (e: unknown) => e,
  );
  const [sr, cr] = await Promise.all([s, c]);
  return { sr, cr, client, server };
}

describe("handshake", () => {
  it("welcomes without a secret", async () => {
    const { sr, cr, client } = await run(undefined, undefined);
    expect(cr).toMatchObject({ type: "welcome", sessionId: "sess-9", leaseSeconds: 30 });
    expect(sr).toMatchObject({ hello: { workerId: "w:1:0", capabilities: CAPS } });
    client.destroy();
  });

  it("challenges and accepts the right secret (never sending it)", async () => {
    const [a, b] = createDuplexPair();
    const wire: Buffer[] = [];
    a.on("data", (c: Buffer) => wire.push(c));
    const origWrite = a.write.bind(a);
    a.write = ((chunk: Buffer, ...rest: never[]) => {
      wire.push(Buffer.from(chunk));
      return origWrite(chunk, ...rest);
    }) as typeof a.write;
    const client = new MessageChannel(a);
    const server = new MessageChannel(b);
    const [sr, cr] = await Promise.all([
      serverHandshake(server, { secret: "top-secret", welcome }),
      clientHandshake(client, { workerId: "w:1:0", capabilities: CAPS, secret: "top-secret" }),
    ]);
    expect(cr.type).toBe("welcome");
    expect(sr.hello.authProof).toMatch(/^[0-9a-f]{64}$/);
    expect(Buffer.concat(wire).includes("top-secret")).toBe(false);
    client.destroy();
  });

  it("rejects a wrong secret with SEGNAS_E_AUTH on both sides", async () => {
    const { sr, cr, client } = await run("right", "wrong");
    expect(sr).toBeInstanceOf(AuthError);
    expect((sr as AuthError).message).toMatch(/failed the shared-secret check/);
    expect(cr).toBeInstanceOf(RemoteError);
    expect((cr as RemoteError).code).toBe("SEGNAS_E_AUTH");
    await client.whenClosed();
  });

  it("tells a client without a secret that one is needed", async () => {
    const { sr, cr } = await run("right", undefined);
    expect(cr).toBeInstanceOf(AuthError);
    expect((cr as AuthError).message).toMatch(/requires a shared secret/);
    expect(sr).toBeInstanceOf(RemoteError);
    expect((sr as RemoteError).code).toBe("SEGNAS_E_AUTH");
  });

  it("refuses another protocol version", async () => {
    const [client, server] = pair();
    const s = serverHandshake(server, { welcome }).catch((e: unknown) => e);
    const reply = await client
      .request({ type: "hello", protocolVersion: PROTOCOL_VERSION + 1, workerId: "w", capabilities: CAPS })
      .catch((e: unknown) => e);
    expect(reply).toBeInstanceOf(RemoteError);
    expect((reply as RemoteError).code).toBe("SEGNAS_E_PROTOCOL_VERSION");
    expect((reply as RemoteError).data.remoteData).toEqual({
      ours: PROTOCOL_VERSION,
      theirs: PROTOCOL_VERSION + 1,
    });
    expect(await s).toBeInstanceOf(ProtocolVersionError);
  });

  it("refuses a first message other than hello", async () => {
    const [client, server] = pair();
    const s = serverHandshake(server, { welcome }).catch((e: unknown) => e);
    const reply = await client.request({ type: "ask" }).catch((e: unknown) => e);
    expect((reply as RemoteError).code).toBe("SEGNAS_E_UNEXPECTED_MESSAGE");
    expect(((await s) as Error).message).toMatch(/unexpected message "ask" before the handshake/);
  });
});
