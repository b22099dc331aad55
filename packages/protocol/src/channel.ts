/**
 * A message channel over any Duplex byte stream (a net.Socket, or an in-memory pair in tests):
 * frames out, validated messages in, request/reply matching by `id`/`re`, and one close path.
 *
 * Delivery of messages that answer no pending request ("unsolicited": requests on a server,
 * bye/error on a client): to a pending `receive()` (and so the async iterator) first, else as
 * 'message' events, else they wait in a queue (reading pauses while it is long) until someone
 * receives or listens.
 *
 * On a protocol violation by the peer (bad frame, bad message, wrong reply) the channel sends an
 * `error` frame with the stable code and a message, then closes; pending requests reject.
 */
import { EventEmitter } from "node:events";
import type { Duplex } from "node:stream";
import { SegnasError, isSegnasError } from "@segnas/core";
import { encodeFrame } from "./codec";
import { PeerGoneError, RemoteError, RequestTimeoutError, UnexpectedMessageError } from "./errors";
import { FrameDecoder } from "./frame-decoder";
import {
  REPLIES,
  type ErrorMessage,
  type JsonObject,
  type Message,
  type MessageType,
  type ReplyOf,
  type RequestMessage,
  type RequestType,
} from "./messages";
import { json } from "./validate-fields";
import { DEFAULT_MAX_FRAME_BYTES } from "./version";

export interface ChannelOptions {
  /** Largest frame body accepted and sent (default DEFAULT_MAX_FRAME_BYTES). */
  maxFrameBytes?: number;
  /** Default reply timeout of `request` in ms; 0 = wait forever (default 60 000). */
  requestTimeoutMs?: number;
  /** After `close()`, destroy the stream if the peer has not closed within this many ms (default 5 000). */
  closeTimeoutMs?: number;
  /**
   * Bytes sent but not yet taken by the peer past which the peer is cut off: one that sends
   * requests but does not read the replies must not make this side buffer without end
   * (default 16 MiB).
   */
  maxUnsentBytes?: number;
}

/** Why a channel closed. `error` is set when it closed because something went wrong. */
export interface CloseInfo {
  reason: string;
  error?: SegnasError;
}

interface Pending {
  type: RequestType;
  expected: readonly MessageType[];
  resolve: (m: Message) => void;
  reject: (e: SegnasError) => void;
  timer: NodeJS.Timeout | null;
}

const QUEUE_HIGH_WATER = 64;
const REPLY_TYPES = new Set<string>(Object.values(REPLIES).flat());

/** Events of a MessageChannel. */
export interface ChannelEvents {
  message: [msg: Message];
  close: [info: CloseInfo];
  /** Node's own event when a listener is added (used to flush queued messages). */
  newListener: [event: string | symbol, listener: (...args: unknown[]) => void];
}

export class MessageChannel extends EventEmitter<ChannelEvents> {
  readonly maxFrameBytes: number;
  private readonly requestTimeoutMs: number;
  private readonly closeTimeoutMs: number;
  private readonly maxUnsentBytes: number;
  private readonly decoder: FrameDecoder;
  private readonly pending = new Map<number, Pending>();
  private readonly queue: Message[] = [];
  private readonly waiters: Array<{ resolve: (m: Message | null) => void }> = [];
  private nextId = 1;
  private closing = false;
  private closeReason = "closed by this side";
  private info: CloseInfo | null = null;
  /** An `error` frame that answered no request: the likely reason the peer is about to close. */
  private remoteError: RemoteError | null = null;
  private closeTimer: NodeJS.Timeout | null = null;
  private readonly closedPromise: Promise<CloseInfo>;
  private resolveClosed!: (info: CloseInfo) => void;

  constructor(
    readonly stream: Duplex,
    options: ChannelOptions = {},
  ) {
    super();
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
    this.maxUnsentBytes = options.maxUnsentBytes ?? 16 * 1024 * 1024;
    this.decoder = new FrameDecoder({ maxFrameBytes: this.maxFrameBytes });
    this.closedPromise = new Promise((resolve) => (this.resolveClosed = resolve));
    stream.on("data", (chunk: Buffer) => this.onData(chunk));
    stream.on("end", () => this.onEnd());
    stream.on("error", (err: Error) =>
      this.finish({ reason: err.message, error: new PeerGoneError(err.message) }),
    );
    stream.on("close", () => this.finish({ reason: "connection closed" }));
    this.on("newListener", (event) => {
      if (event === "message") setImmediate(() => this.flushToListeners());
    });
  }

  /** True once the channel has closed (no more messages in or out). */
  get closed(): boolean {
    return this.info !== null;
  }

  /** Why it closed, once it has. */
  get closeInfo(): CloseInfo | null {
    return this.info;
  }

  /** Resolves (never rejects) when the channel has closed. */
  whenClosed(): Promise<CloseInfo> {
    return this.closedPromise;
  }

  /**
   * Sends one message. Returns false (and sends nothing) if the channel is closing or closed;
   * throws BadMessageError / FrameTooLargeError if `msg` is invalid (a bug on this side).
   */
  send(msg: Message): boolean {
    const frame = encodeFrame(msg, { maxFrameBytes: this.maxFrameBytes });
    if (this.closing || this.info || !this.stream.writable) return false;
    this.stream.write(frame);
    const unsent = this.stream.writableLength;
    if (unsent > this.maxUnsentBytes) {
      // No error frame: it would only queue behind what the peer does not read.
      const error = new PeerGoneError(
        `the peer does not read what is sent to it (${unsent} bytes unsent, limit ${this.maxUnsentBytes}): disconnected`,
      );
      this.finish({ reason: error.message, error });
      this.stream.destroy();
      return false;
    }
    return true;
  }

  /** Sends `msg` as the reply to `request` (copying its `id` into `re`). */
  reply(request: Message, msg: Message): boolean {
    return this.send(request.id === undefined ? msg : { ...msg, re: request.id });
  }

  /**
   * Sends a request and resolves with its reply. Rejects with RemoteError when the peer answers
   * with an `error`, RequestTimeoutError after `timeoutMs`, PeerGoneError if the channel closes
   * first, UnexpectedMessageError if the peer answers with the wrong type (the channel closes).
   */
  request<M extends RequestMessage>(
    msg: M,
    options: { timeoutMs?: number } = {},
  ): Promise<ReplyOf<M["type"]>> {
    const type = msg.type as RequestType;
    if (this.closing || this.info) return Promise.reject(this.goneError());
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    return new Promise<ReplyOf<M["type"]>>((resolve, reject) => {
      const entry: Pending = {
        type,
        expected: REPLIES[type],
        resolve: resolve as (m: Message) => void,
        reject,
        timer: null,
      };
      if (timeoutMs > 0) {
        entry.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new RequestTimeoutError(type, timeoutMs));
        }, timeoutMs);
        entry.timer.unref?.();
      }
      this.pending.set(id, entry);
      try {
        this.send({ ...msg, id });
      } catch (e) {
        this.settle(id);
        reject(e);
      }
    });
  }

  /**
   * The next unsolicited message. Rejects with RequestTimeoutError after `timeoutMs` (0 = never)
   * and with the close error (or PeerGoneError) once the channel has closed.
   */
  async receive(timeoutMs = 0): Promise<Message> {
    let timer: NodeJS.Timeout | null = null;
    const next = this.nextOrNull();
    const timeout =
      timeoutMs > 0
        ? new Promise<"timeout">((resolve) => {
            timer = setTimeout(() => resolve("timeout"), timeoutMs);
          })
        : null;
    const got = timeout ? await Promise.race([next.promise, timeout]) : await next.promise;
    if (timer) clearTimeout(timer);
    if (got === "timeout") {
      next.cancel();
      throw new RequestTimeoutError("receive", timeoutMs);
    }
    if (got === null) throw this.goneError();
    return got;
  }

  /** Unsolicited messages, in order, until the channel closes (the iterator then just ends). */
  async *messages(): AsyncIterableIterator<Message> {
    for (;;) {
      const m = await this.nextOrNull().promise;
      if (m === null) return;
      yield m;
    }
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Message> {
    return this.messages();
  }

  /**
   * Protocol violation (or fatal error) on this connection: sends an `error` frame carrying
   * `error.code` and its message, then closes. Pending requests reject with `error`.
   */
  fail(error: SegnasError): void {
    if (this.info) return;
    if (!this.closing) {
      try {
        this.send(errorMessage(error));
      } catch {
        // its data did not fit in a frame: the code and a short message still go
        this.send({ type: "error", code: error.code, message: error.message.slice(0, 1024) });
      }
      this.closing = true;
      this.stream.end();
      this.armCloseTimer();
    }
    this.finish({ reason: error.message, error }, false);
  }

  /** Graceful close: sends `bye`, ends our side, resolves once the stream has closed. */
  close(reason?: string): Promise<CloseInfo> {
    if (!this.closing && !this.info) {
      this.send(reason === undefined ? { type: "bye" } : { type: "bye", reason });
      if (reason !== undefined) this.closeReason = reason;
      this.closing = true;
      this.stream.end();
      this.armCloseTimer();
    }
    return this.closedPromise;
  }

  /** Closes at once without a goodbye (e.g. on shutdown). */
  destroy(reason = "destroyed"): void {
    this.finish({ reason });
    this.stream.destroy();
  }

  // ---- internals ----

  private onData(chunk: Buffer): void {
    if (this.info) return;
    let messages: Message[];
    try {
      messages = this.decoder.push(chunk);
    } catch (e) {
      this.fail(asSegnasError(e));
      return;
    }
    for (const m of messages) {
      if (this.info) return;
      this.dispatch(m);
    }
  }

  private onEnd(): void {
    try {
      this.decoder.end();
    } catch (e) {
      this.finish({ reason: "peer closed mid-frame", error: asSegnasError(e) });
      return;
    }
    if (this.closing) return this.finish({ reason: this.closeReason }, false);
    // The peer ended its side: end ours too (a socket may allow half-open; we do not).
    this.closing = true;
    if (this.stream.writable) this.stream.end();
    this.armCloseTimer();
    this.finish(
      this.remoteError
        ? { reason: `peer closed after error: ${this.remoteError.message}`, error: this.remoteError }
        : { reason: "peer closed the connection" },
      false,
    );
  }

  private dispatch(m: Message): void {
    let id: number | undefined;
    if (m.re !== undefined && this.pending.has(m.re)) id = m.re;
    else if (m.re === undefined && (REPLY_TYPES.has(m.type) || m.type === "error")) {
      // A peer that does not echo ids: answer the oldest pending request this type fits.
      for (const [k, p] of this.pending) {
        if (m.type === "error" || p.expected.includes(m.type)) {
          id = k;
          break;
        }
      }
    }
    if (m.type === "error" && m.re === undefined) this.remoteError = remoteError(m);
    if (id === undefined) {
      this.deliver(m);
      return;
    }
    const p = this.settle(id)!;
    if (m.type === "error") p.reject(remoteError(m));
    else if (p.expected.includes(m.type)) p.resolve(m);
    else {
      const err = new UnexpectedMessageError(m.type, p.expected, `in reply to "${p.type}"`);
      p.reject(err);
      this.fail(err);
    }
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (p) {
      this.pending.delete(id);
      if (p.timer) clearTimeout(p.timer);
    }
    return p;
  }

  private deliver(m: Message): void {
    const w = this.waiters.shift();
    if (w) return w.resolve(m);
    if (this.listenerCount("message") > 0) {
      this.emit("message", m);
      return;
    }
    this.queue.push(m);
    if (this.queue.length >= QUEUE_HIGH_WATER) this.stream.pause();
  }

  private flushToListeners(): void {
    while (this.queue.length > 0 && this.listenerCount("message") > 0)
      this.emit("message", this.queue.shift()!);
    this.maybeResume();
  }

  private maybeResume(): void {
    if (this.queue.length < QUEUE_HIGH_WATER / 2 && this.stream.isPaused() && !this.info)
      this.stream.resume();
  }

  private nextOrNull(): { promise: Promise<Message | null>; cancel: () => void } {
    if (this.queue.length > 0) {
      const m = this.queue.shift()!;
      this.maybeResume();
      return { promise: Promise.resolve(m), cancel: () => undefined };
    }
    if (this.info) return { promise: Promise.resolve(null), cancel: () => undefined };
    let waiter!: { resolve: (m: Message | null) => void };
    const promise = new Promise<Message | null>((resolve) => {
      waiter = { resolve };
      this.waiters.push(waiter);
    });
    return {
      promise,
      cancel: () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
      },
    };
  }

  private armCloseTimer(): void {
    if (this.closeTimer || this.closeTimeoutMs <= 0) return;
    this.closeTimer = setTimeout(() => this.stream.destroy(), this.closeTimeoutMs);
    this.closeTimer.unref?.();
  }

  private goneError(): SegnasError {
    return this.info?.error ?? new PeerGoneError(this.info?.reason ?? "channel is closing");
  }

  /**
   * Records the close (first call wins) and releases everyone waiting. With `final` false the
   * stream may still be flushing our last frames; its 'close' event clears the close timer.
   */
  private finish(info: CloseInfo, final = true): void {
    if (final && this.closeTimer) {
      clearTimeout(this.closeTimer);
      this.closeTimer = null;
    }
    if (this.info) return;
    this.info = info;
    const err = info.error ?? new PeerGoneError(info.reason);
    for (const id of [...this.pending.keys()]) this.settle(id)!.reject(err);
    for (const w of this.waiters.splice(0)) w.resolve(null);
    this.emit("close", info);
    this.resolveClosed(info);
  }
}

function asSegnasError(e: unknown): SegnasError {
  if (isSegnasError(e)) return e;
  return new SegnasError("SEGNAS_E_INTERNAL", `unexpected error: ${(e as Error)?.message ?? String(e)}`);
}

function remoteError(m: ErrorMessage): RemoteError {
  return new RemoteError(m.code, m.message, m.data);
}

/** The `error` frame for a local error: its code, message and (when plain JSON) its data. */
export function errorMessage(error: SegnasError, re?: number): ErrorMessage {
  const out: ErrorMessage = { type: "error", code: error.code, message: error.message.slice(0, 16 * 1024) };
  try {
    const data = JSON.parse(JSON.stringify(error.data ?? {})) as unknown;
    json(data, "error.data");
    if (data && typeof data === "object" && !Array.isArray(data) && Object.keys(data).length > 0)
      out.data = data as JsonObject;
  } catch {
    // data that is not plain JSON stays on this side
  }
  if (re !== undefined) out.re = re;
  return out;
}
