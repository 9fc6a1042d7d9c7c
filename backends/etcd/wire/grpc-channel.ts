// gRPC calls to one etcd member over one HTTP/2 connection (node:http2), without @grpc/grpc-js: the lean
// transport of the etcd-cas lock client. grpc-js routes each call through a resolver, a retry layer, a load
// balancer, filters and metadata copies; measured here it cost ~750 us of CPU per unary call against
// ~230 us for the same call sent this way, and ten client workers spent most of a cycle's CPU in it.
// A call is one HTTP/2 stream: one length-prefixed request message, a `grpc-timeout` header for etcd and a
// local deadline that cancels the stream. The answer is etcd's (`GrpcStatusError`, a definite answer) or
// its absence (`GrpcNoAnswerError`: the call may or may not have taken effect). It must never re-send a
// call, never wait without a deadline, and never log what it sends.

import http2 from "node:http2";

/** etcd answered with a non-zero grpc-status: the call was processed and refused. */
export class GrpcStatusError extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
    readonly method: string,
  ) {
    super(`${method}: ${details || `grpc status ${code}`}`);
    this.name = "GrpcStatusError";
  }
}

/** No answer from etcd (deadline, reset, lost connection): whether the call took effect is unknown. */
export class GrpcNoAnswerError extends Error {
  constructor(
    readonly method: string,
    readonly why: string,
  ) {
    super(`${method}: ${why}`);
    this.name = "GrpcNoAnswerError";
  }
}

/** gRPC status codes used by the callers. */
export const GRPC_NOT_FOUND = 5;

/** The gRPC status a set of headers or trailers carries (with its decoded message), if it carries one. */
export function grpcStatus(
  headers: http2.IncomingHttpHeaders,
): { code: number; details: string } | undefined {
  const s = headers["grpc-status"];
  if (s === undefined) return undefined;
  const m = headers["grpc-message"];
  return { code: Number(s), details: typeof m === "string" ? decodeURIComponent(m) : "" };
}

/** The 5-byte gRPC message prefix (uncompressed) followed by the message. */
export function frame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/** The first complete message in `data`, or undefined while it is incomplete. */
export function firstMessage(data: Buffer): Buffer | undefined {
  if (data.length < 5) return undefined;
  const length = data.readUInt32BE(1);
  if (data.length < 5 + length) return undefined;
  if (data[0] !== 0) throw new Error("compressed gRPC message (never asked for)");
  return data.subarray(5, 5 + length);
}

export class GrpcChannel {
  private session: http2.ClientHttp2Session | undefined;
  private closed = false;

  constructor(readonly url: string) {}

  /** One request, one answer. `method` is "/package.Service/Method". */
  unary(method: string, request: Uint8Array, timeoutMs: number): Promise<Buffer> {
    return this.call(method, request, timeoutMs);
  }

  /**
   * A new HTTP/2 stream for `method` on the live connection (dialled if there is none), its headers sent;
   * `timeoutMs`, when given, is sent to etcd as `grpc-timeout`. For callers that keep a stream open
   * (grpc-exchange.ts); a GrpcNoAnswerError when the channel is closed or the connection cannot be used.
   */
  open(method: string, timeoutMs?: number): http2.ClientHttp2Stream {
    const headers: http2.OutgoingHttpHeaders = {
      ":method": "POST",
      ":path": method,
      "content-type": "application/grpc",
      te: "trailers",
    };
    if (timeoutMs !== undefined)
      headers["grpc-timeout"] = `${Math.min(Math.max(1, Math.ceil(timeoutMs)), 99_999_999)}m`;
    try {
      return this.connection().request(headers);
    } catch (err) {
      throw err instanceof GrpcNoAnswerError ? err : new GrpcNoAnswerError(method, String(err));
    }
  }

  close(): void {
    this.closed = true;
    this.session?.close();
    this.session = undefined;
  }

  private connection(): http2.ClientHttp2Session {
    if (this.closed) throw new GrpcNoAnswerError("connect", "the channel is closed");
    const live = this.session;
    if (live && !live.closed && !live.destroyed) return live;
    const session = http2.connect(this.url);
    // a failed or lost connection fails its open calls (each stream reports it) and the next call redials
    const forget = () => {
      if (this.session === session) this.session = undefined;
    };
    session.on("error", forget);
    session.on("goaway", forget);
    session.on("close", forget);
    this.session = session;
    return session;
  }

  private call(method: string, request: Uint8Array, timeoutMs: number): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const ms = Math.max(1, Math.ceil(timeoutMs));
      let stream: http2.ClientHttp2Stream;
      try {
        stream = this.open(method, ms);
      } catch (err) {
        reject(err);
        return;
      }
      let settled = false;
      let data: Buffer = Buffer.alloc(0);
      let status: { code: number; details: string } | undefined;
      const finish = (err: Error | undefined, value?: Buffer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL);
        if (err) reject(err);
        else resolve(value as Buffer);
      };
      const timer = setTimeout(() => finish(new GrpcNoAnswerError(method, `no answer within ${ms} ms`)), ms);
      const readStatus = (headers: http2.IncomingHttpHeaders) => {
        status = grpcStatus(headers) ?? status;
      };
      stream.on("response", (headers) => {
        if (headers[":status"] !== 200) {
          finish(new GrpcNoAnswerError(method, `HTTP status ${headers[":status"]}`));
          return;
        }
        readStatus(headers); // a trailers-only answer carries its status here
      });
      stream.on("data", (chunk: Buffer) => {
        data = data.length === 0 ? chunk : Buffer.concat([data, chunk]);
      });
      stream.on("trailers", readStatus);
      stream.on("error", (err) => finish(new GrpcNoAnswerError(method, err.message)));
      stream.on("close", () => {
        if (status !== undefined && status.code !== 0) {
          finish(new GrpcStatusError(status.code, status.details, method));
          return;
        }
        const message = status?.code === 0 ? firstMessage(data) : undefined;
        if (message) finish(undefined, message);
        else finish(new GrpcNoAnswerError(method, "the stream closed without an answer"));
      });
      stream.end(frame(request));
    });
  }
}
