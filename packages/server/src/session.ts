/**
 * One connection: handshake (with the shared-secret challenge when configured), then requests
 * answered by the controller. Protocol violations (junk bytes, an oversized or truncated frame,
 * a message out of order) get an `error` frame and close this connection only; a request the
 * controller refuses (e.g. an unknown trial) gets an `error` reply and the connection stays.
 */
import { randomBytes } from "node:crypto";
import type { Duplex } from "node:stream";
import { SegnasError, isSegnasError } from "@segnas/core";
import {
  MessageChannel,
  PROTOCOL_VERSION,
  UnexpectedMessageError,
  errorMessage,
  serverHandshake,
  type Message,
} from "@segnas/protocol";
import type { Logger } from "pino";
import type { Controller } from "./controller";

export interface SessionOptions {
  readonly secret?: string;
  readonly maxFrameBytes?: number;
  /** How long a new connection may take to say hello (default 10 s). */
  readonly handshakeTimeoutMs?: number;
  readonly heartbeatSeconds: number;
  readonly leaseSeconds: number;
  /** A peer that leaves this much of our output unread is cut off (default: the channel's 16 MiB). */
  readonly maxUnsentBytes?: number;
}

export interface Session {
  readonly channel: MessageChannel;
  /** Resolves when the connection has closed and the controller was told. */
  readonly done: Promise<void>;
}

export function serveConnection(
  controller: Controller,
  stream: Duplex,
  opts: SessionOptions,
  log: Logger,
): Session {
  const channel = new MessageChannel(stream, {
    requestTimeoutMs: 0,
    closeTimeoutMs: 2000,
    ...(opts.maxFrameBytes !== undefined ? { maxFrameBytes: opts.maxFrameBytes } : {}),
    ...(opts.maxUnsentBytes !== undefined ? { maxUnsentBytes: opts.maxUnsentBytes } : {}),
  });
  const done = run(controller, channel, opts, log).catch((err: unknown) => {
    log.error({ err }, "session failed");
    channel.destroy("internal error");
  });
  return { channel, done };
}

async function run(
  controller: Controller,
  channel: MessageChannel,
  opts: SessionOptions,
  log: Logger,
): Promise<void> {
  const sessionId = randomBytes(8).toString("hex");
  let workerId: string;
  try {
    const { hello } = await serverHandshake(channel, {
      ...(opts.secret ? { secret: opts.secret } : {}),
      timeoutMs: opts.handshakeTimeoutMs ?? 10_000,
      welcome: () => ({
        protocolVersion: PROTOCOL_VERSION,
        sessionId,
        study: controller.summary,
        heartbeatSeconds: opts.heartbeatSeconds,
        leaseSeconds: opts.leaseSeconds,
      }),
    });
    workerId = hello.workerId;
    controller.connect(workerId, sessionId, hello.capabilities);
    log.debug({ workerId, sessionId, ...hello.capabilities }, "connected");
  } catch (err) {
    const e = err as SegnasError;
    const level = e.code === "SEGNAS_E_AUTH" ? "warn" : "debug";
    log[level]({ code: e.code, remote: remoteOf(channel) }, `handshake refused: ${e.message}`);
    channel.destroy("handshake failed");
    return;
  }
  let leaving = false;
  const alive = (): boolean => !channel.closed && !leaving;
  const handle = async (m: Message): Promise<Message | null> => {
    switch (m.type) {
      case "ask":
        return controller.ask(workerId, alive);
      case "tell":
        return controller.tell(workerId, m);
      case "fail":
        return controller.fail(workerId, m);
      case "heartbeat":
        return controller.heartbeat(workerId, m);
      case "status":
        return { type: "snapshot", snapshot: controller.snapshot() };
      default:
        throw new UnexpectedMessageError(
          m.type,
          ["ask", "tell", "fail", "heartbeat", "status", "bye"],
          "after the handshake",
        );
    }
  };
  // 'message' events rather than the async iterator: one less promise per request.
  const onMessage = (m: Message): void => {
    if (m.type === "bye") {
      leaving = true;
      void controller
        .release(workerId)
        .catch(() => undefined)
        .then(() => channel.close());
      return;
    }
    if (m.type === "error") {
      log.warn({ workerId, code: m.code }, `worker reported: ${m.message}`);
      return;
    }
    if (m.type === "hello") {
      channel.fail(
        new UnexpectedMessageError(
          "hello",
          ["ask", "tell", "fail", "heartbeat", "status"],
          "after the handshake",
        ),
      );
      return;
    }
    if (leaving) return;
    handle(m).then(
      (reply) => {
        if (reply) channel.reply(m, reply);
      },
      (err: unknown) => {
        if (err instanceof UnexpectedMessageError) return channel.fail(err);
        const e = isSegnasError(err)
          ? err
          : new SegnasError("SEGNAS_E_INTERNAL", `server error: ${(err as Error)?.message ?? String(err)}`);
        if (!isSegnasError(err)) log.error({ err, workerId }, "request failed");
        channel.send(errorMessage(e, m.id));
      },
    );
  };
  channel.on("message", onMessage);
  const info = await channel.whenClosed();
  channel.off("message", onMessage);
  if (!leaving) controller.disconnect(workerId, sessionId);
  if (info.error)
    log.warn({ workerId, code: info.error.code }, `connection of ${workerId} closed: ${info.error.message}`);
  else log.debug({ workerId }, `connection of ${workerId} closed: ${info.reason}`);
}

function remoteOf(channel: MessageChannel): string | undefined {
  const s = channel.stream as { remoteAddress?: string; remotePort?: number };
  return s.remoteAddress ? `${s.remoteAddress}:${s.remotePort}` : undefined;
}
