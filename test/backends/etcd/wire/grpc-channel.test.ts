// The lean gRPC transport (backends/etcd/wire/grpc-channel.ts) against an HTTP/2 peer in this process that
// speaks the gRPC wire format: answers, refusals (grpc-status), silence past the deadline, a refused
// connection, and a message split over frames. The peer is a protocol fixture for
// the transport, not a stand-in for etcd (etcd-rpc-live.test.ts runs the same calls against etcd).

import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GrpcChannel,
  GrpcNoAnswerError,
  GrpcStatusError,
} from "../../../../backends/etcd/wire/grpc-channel.js";
import { framed, unframe } from "./grpc-frames.js";

describe("GrpcChannel", () => {
  let server: http2.Http2Server;
  let url: string;
  const seenTimeouts: string[] = [];
  const openStreams = new Set<http2.ServerHttp2Stream>();

  beforeAll(async () => {
    server = http2.createServer();
    server.on("stream", (stream, headers) => {
      openStreams.add(stream);
      stream.on("close", () => openStreams.delete(stream));
      seenTimeouts.push(String(headers["grpc-timeout"]));
      const chunks: Buffer[] = [];
      const path = String(headers[":path"]);
      stream.on("data", (d: Buffer) => chunks.push(d));
      stream.on("end", () => {
        const request = unframe(Buffer.concat(chunks));
        if (path === "/t.S/Echo") {
          stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
          stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
          stream.end(framed(request));
        } else if (path === "/t.S/Split") {
          // the answer in one-byte frames
          stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
          stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
          const whole = framed(request);
          for (let i = 0; i < whole.length - 1; i++) stream.write(whole.subarray(i, i + 1));
          stream.end(whole.subarray(whole.length - 1));
        } else if (path === "/t.S/Refuse") {
          stream.respond(
            {
              ":status": 200,
              "content-type": "application/grpc",
              "grpc-status": "5",
              "grpc-message": encodeURIComponent("etcdserver: requested lease not found"),
            },
            { endStream: true },
          );
        }
        // "/t.S/Silent": never answers
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const s of openStreams) s.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("returns the answer's message, for any message bytes", async () => {
    const channel = new GrpcChannel(url);
    try {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), async (bytes) => {
          const answer = await channel.unary("/t.S/Echo", bytes, 2_000);
          expect(Buffer.compare(answer, Buffer.from(bytes))).toBe(0);
        }),
        { numRuns: 100 },
      );
    } finally {
      channel.close();
    }
  });

  it("reassembles a message split over many frames", async () => {
    const channel = new GrpcChannel(url);
    try {
      const answer = await channel.unary("/t.S/Split", Buffer.from("split over frames"), 2_000);
      expect(answer.toString()).toBe("split over frames");
    } finally {
      channel.close();
    }
  });

  it("tells the server its deadline in grpc-timeout", async () => {
    const channel = new GrpcChannel(url);
    try {
      seenTimeouts.length = 0;
      await channel.unary("/t.S/Echo", Buffer.from("x"), 1234);
      expect(seenTimeouts).toEqual(["1234m"]);
    } finally {
      channel.close();
    }
  });

  it("a refusal is a GrpcStatusError with its code and decoded message", async () => {
    const channel = new GrpcChannel(url);
    try {
      const err = await channel.unary("/t.S/Refuse", Buffer.from("x"), 2_000).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GrpcStatusError);
      expect((err as GrpcStatusError).code).toBe(5);
      expect((err as GrpcStatusError).details).toBe("etcdserver: requested lease not found");
    } finally {
      channel.close();
    }
  });

  it("silence past the deadline is a GrpcNoAnswerError at the deadline, and the channel still works", async () => {
    const channel = new GrpcChannel(url);
    try {
      const started = performance.now();
      const err = await channel.unary("/t.S/Silent", Buffer.from("x"), 150).catch((e: unknown) => e);
      const waited = performance.now() - started;
      expect(err).toBeInstanceOf(GrpcNoAnswerError);
      expect(waited).toBeGreaterThanOrEqual(145);
      expect(waited).toBeLessThan(1_000);
      const answer = await channel.unary("/t.S/Echo", Buffer.from("after"), 2_000);
      expect(answer.toString()).toBe("after");
    } finally {
      channel.close();
    }
  });

  it("a refused connection is a GrpcNoAnswerError", async () => {
    const closed = http2.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const channel = new GrpcChannel(`http://127.0.0.1:${port}`);
    try {
      const err = await channel.unary("/t.S/Echo", Buffer.from("x"), 2_000).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GrpcNoAnswerError);
    } finally {
      channel.close();
    }
  });

  it("a closed channel refuses calls without sending them", async () => {
    const channel = new GrpcChannel(url);
    channel.close();
    const err = await channel.unary("/t.S/Echo", Buffer.from("x"), 2_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrpcNoAnswerError);
  });
});
