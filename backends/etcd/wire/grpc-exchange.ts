// One long-lived gRPC bidirectional stream used as a sequence of request/answer exchanges: etcd's
// LeaseKeepAlive, which etcd offers only as a stream and answers once per request, in order. Keeping the
// stream open makes a keepalive one DATA frame each way instead of a new HTTP/2 stream (headers, trailers,
// stream teardown) per keepalive, on the client and on etcd alike. Answers are matched to requests first
// in, first out. Each exchange has its own deadline; when one passes, or the stream fails or ends, every
// exchange still waiting ends without an answer and the stream is dropped (a later answer could no longer
// be matched), so the next exchange opens a new one. It must never re-send a request, never match an answer
// to a request out of order, and never keep a stream whose order is in doubt.

import http2 from "node:http2";
import {
  firstMessage,
  frame,
  type GrpcChannel,
  GrpcNoAnswerError,
  GrpcStatusError,
  grpcStatus,
} from "./grpc-channel.js";

interface Waiting {
  resolve: (answer: Buffer) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class GrpcExchangeStream {
  private stream: http2.ClientHttp2Stream | undefined;
  private readonly waiting: Waiting[] = [];
  private received: Buffer = Buffer.alloc(0);

  constructor(
    private readonly channel: GrpcChannel,
    readonly method: string,
  ) {}

  /** Send one request on the stream (opened if needed) and resolve with the next answer on it. */
  exchange(request: Uint8Array, timeoutMs: number): Promise<Buffer> {
    let stream: http2.ClientHttp2Stream;
    try {
      stream = this.current();
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<Buffer>((resolve, reject) => {
      const ms = Math.max(1, Math.ceil(timeoutMs));
      const timer = setTimeout(() => this.drop(stream, `no answer within ${ms} ms`), ms);
      this.waiting.push({ resolve, reject, timer });
      stream.write(frame(request));
    });
  }

  /** End the stream; exchanges still waiting end without an answer. */
  reset(why = "the stream was reset"): void {
    if (this.stream) this.drop(this.stream, why);
  }

  private current(): http2.ClientHttp2Stream {
    const live = this.stream;
    if (live && !live.closed && !live.destroyed) return live;
    // a stream that ended before its events arrived: what waits on it must not wait on the next one
    if (live) this.drop(live, "the stream closed");
    const stream = this.channel.open(this.method);
    // a status (in trailers, or in the headers of a trailers-only answer) ends the exchanges on the stream
    const ended = (headers: http2.IncomingHttpHeaders) => {
      const status = grpcStatus(headers);
      if (status === undefined) return;
      const refusal =
        status.code !== 0 ? new GrpcStatusError(status.code, status.details, this.method) : undefined;
      this.drop(stream, "the stream ended", refusal);
    };
    stream.on("response", (headers) => {
      if (headers[":status"] !== 200) this.drop(stream, `HTTP status ${headers[":status"]}`);
      else ended(headers);
    });
    stream.on("data", (chunk: Buffer) => this.onData(stream, chunk));
    stream.on("trailers", ended);
    stream.on("end", () => this.drop(stream, "the stream ended"));
    stream.on("error", (err) => this.drop(stream, err.message));
    stream.on("close", () => this.drop(stream, "the stream closed"));
    this.stream = stream;
    return stream;
  }

  private onData(stream: http2.ClientHttp2Stream, chunk: Buffer): void {
    if (stream !== this.stream) return;
    this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
    for (;;) {
      let message: Buffer | undefined;
      try {
        message = firstMessage(this.received);
      } catch (err) {
        this.drop(stream, (err as Error).message);
        return;
      }
      if (!message) return;
      this.received = this.received.subarray(5 + message.length);
      const next = this.waiting.shift();
      if (!next) {
        this.drop(stream, "an answer no request was waiting for");
        return;
      }
      clearTimeout(next.timer);
      next.resolve(message);
    }
  }

  /** Forget `stream` (if it is still the current one), cancel it and fail everything waiting on it. */
  private drop(stream: http2.ClientHttp2Stream, why: string, refusal?: GrpcStatusError): void {
    if (stream !== this.stream) return;
    this.stream = undefined;
    this.received = Buffer.alloc(0);
    if (!stream.closed && !stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
    for (const w of this.waiting.splice(0)) {
      clearTimeout(w.timer);
      w.reject(refusal ?? new GrpcNoAnswerError(this.method, why));
    }
  }
}
