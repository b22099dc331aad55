/**
 * The opening exchange, for both sides:
 *   client: hello                         server: (secret set)  challenge {nonce}
 *   client: hello {authProof}             server: welcome
 * or, without a secret, hello -> welcome at once. Version or auth failures are answered with an
 * `error` frame and the connection is closed.
 */
import { SegnasError } from "@segnas/core";
import { PROTOCOL_VERSION } from "./version";
import { computeAuthProof, createNonce, verifyAuthProof } from "./auth";
import type { MessageChannel } from "./channel";
import {
  AuthError,
  PeerGoneError,
  ProtocolVersionError,
  RemoteError,
  RequestTimeoutError,
  UnexpectedMessageError,
} from "./errors";
import type { Body, Capabilities, HelloMessage, WelcomeMessage } from "./messages";

export interface ClientHandshakeOptions {
  workerId: string;
  capabilities: Capabilities;
  /** Shared secret, if the server requires one. */
  secret?: string;
  /** Per-step reply timeout in ms (default: the channel's request timeout). */
  timeoutMs?: number;
}

/**
 * Says hello (answering a challenge if the server sends one) and resolves with the welcome.
 * Throws AuthError when the server wants a secret and none is configured, RemoteError with the
 * server's code (e.g. SEGNAS_E_AUTH, SEGNAS_E_PROTOCOL_VERSION) when the server refuses.
 */
export async function clientHandshake(
  channel: MessageChannel,
  options: ClientHandshakeOptions,
): Promise<WelcomeMessage> {
  const hello: HelloMessage = {
    type: "hello",
    protocolVersion: PROTOCOL_VERSION,
    workerId: options.workerId,
    capabilities: options.capabilities,
  };
  const timing = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
  let reply = await channel.request(hello, timing);
  if (reply.type === "challenge") {
    if (options.secret === undefined) {
      const err = new AuthError(
        "the server requires a shared secret; give this client the server's secret " +
          "(SEGNAS.SECRET in the config, or the SEGNAS_SECRET environment variable)",
        { workerId: options.workerId },
      );
      channel.fail(err);
      throw err;
    }
    const authProof = computeAuthProof(options.secret, reply.nonce, options.workerId);
    reply = await channel.request({ ...hello, authProof }, timing);
    if (reply.type !== "welcome") {
      const err = new UnexpectedMessageError(reply.type, ["welcome"], "after answering the challenge");
      channel.fail(err);
      throw err;
    }
  }
  if (reply.protocolVersion !== PROTOCOL_VERSION) {
    const err = new ProtocolVersionError(PROTOCOL_VERSION, reply.protocolVersion);
    channel.fail(err);
    throw err;
  }
  return reply;
}

export interface ServerHandshakeOptions {
  /** Shared secret; when set, clients must prove they know it. */
  secret?: string;
  /** How long to wait for each hello, in ms (default 10 000; 0 = forever). */
  timeoutMs?: number;
  /** Builds the welcome for an accepted hello (sessionId, study summary, timings). */
  welcome(hello: HelloMessage): Body<WelcomeMessage> | Promise<Body<WelcomeMessage>>;
}

/**
 * Runs the server side: waits for hello, checks the version, challenges when a secret is set,
 * sends welcome. Resolves with the accepted hello and the welcome sent; on failure sends an
 * `error` frame, closes the channel and rejects with the typed error.
 */
export async function serverHandshake(
  channel: MessageChannel,
  options: ServerHandshakeOptions,
): Promise<{ hello: HelloMessage; welcome: WelcomeMessage }> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const expectHello = async (): Promise<HelloMessage> => {
    let m;
    try {
      m = await channel.receive(timeoutMs);
    } catch (e) {
      if (!(e instanceof RequestTimeoutError)) throw e; // the connection closed
      // A peer too slow to say hello (a trickle, a half-open connection) hears why, if it reads.
      const err = new SegnasError(
        "SEGNAS_E_TIMEOUT",
        `no hello within ${timeoutMs} ms of connecting (a segnas worker says hello at once): closing`,
        { timeoutMs },
      );
      channel.fail(err);
      throw err;
    }
    if (m.type === "error" || m.type === "bye") {
      // The client gave up (e.g. it has no secret to answer a challenge with).
      void channel.close();
      throw m.type === "error"
        ? new RemoteError(m.code, m.message, m.data)
        : new PeerGoneError(`worker said bye during the handshake${m.reason ? `: ${m.reason}` : ""}`);
    }
    if (m.type !== "hello") {
      const err = new UnexpectedMessageError(m.type, ["hello"], "before the handshake");
      channel.fail(err);
      throw err;
    }
    if (m.protocolVersion !== PROTOCOL_VERSION) {
      const err = new ProtocolVersionError(PROTOCOL_VERSION, m.protocolVersion);
      channel.fail(err);
      throw err;
    }
    return m;
  };
  let hello = await expectHello();
  if (options.secret !== undefined) {
    const nonce = createNonce();
    channel.reply(hello, { type: "challenge", nonce });
    hello = await expectHello();
    if (!verifyAuthProof(options.secret, nonce, hello.workerId, hello.authProof)) {
      const err = new AuthError(
        hello.authProof === undefined
          ? `worker "${hello.workerId}" sent no proof of the shared secret; configure the secret on the worker`
          : `worker "${hello.workerId}" failed the shared-secret check; the secrets of server and worker differ`,
        { workerId: hello.workerId },
      );
      channel.fail(err);
      throw err;
    }
  }
  const body = await options.welcome(hello);
  const welcome: WelcomeMessage = { ...body, type: "welcome" };
  channel.reply(hello, welcome);
  return { hello, welcome: hello.id === undefined ? welcome : { ...welcome, re: hello.id } };
}
