// The keepalive stream of the lean gRPC transport (backends/etcd/wire/grpc-exchange.ts) against an HTTP/2
// peer in this process that answers each message of a stream in order: many exchanges on one stream,
// answers split over frames or packed together, a missed deadline, a refusal, an answer nobody asked for,
// a reset and a closed channel. The peer is a protocol fixture for the transport, not a stand-in for etcd
// (etcd-rpc-live.test.ts runs keepalives against etcd).

import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GrpcChannel,
  GrpcNoAnswerError,
  GrpcStatusError,
} from "../../../../backends/etcd/wire/grpc-channel.js";
import { GrpcExchangeStream } from "../../../../backends/etcd/wire/grpc-exchange.js";
import { eachMessage, framed } from "./grpc-frames.js";

describe("GrpcExchangeStream", () => {
  let server: http2.Http2Server;
  let url: string;
  const opened = new Map<string, number>();
  const openStreams = new Set<http2.ServerHttp2Stream>();

  beforeAll(async () => {
    server = http2.createServer();
    server.on("stream", (stream, headers) => {
      const path = String(headers[":path"]);
      opened.set(path, (opened.get(path) ?? 0) + 1);
      openStreams.add(stream);
      stream.on("close", () => openStreams.delete(stream));
      stream.on("error", () => {});
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      let trailers: http2.OutgoingHttpHeaders = { "grpc-status": "0" };
      stream.on("wantTrailers", () => stream.sendTrailers(trailers));
      let stuck = false; // after "silent" the peer answers nothing more on the stream, as a stuck server
      eachMessage(stream, (m) => {
        const text = m.toString();
        if (text === "silent") stuck = true;
        if (stuck) return;
        if (text === "refuse") {
          trailers = { "grpc-status": "9", "grpc-message": encodeURIComponent("etcdserver: not leader") };
          stream.end();
          return;
        }
        const answer = framed(Buffer.concat([Buffer.from("ans:"), m]));
        if (path === "/t.X/Split") {
          for (let i = 0; i < answer.length; i++) stream.write(answer.subarray(i, i + 1));
        } else if (path === "/t.X/Twice") {
          stream.write(Buffer.concat([answer, answer]));
        } else {
          stream.write(answer);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const s of openStreams) s.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("answers every exchange with its own answer, all on one stream, sent one by one or together", async () => {
    const channel = new GrpcChannel(url);
    const exchanges = new GrpcExchangeStream(channel, "/t.X/Echo");
    opened.delete("/t.X/Echo");
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 8 }),
          fc.boolean(),
          async (requests, together) => {
            const send = (r: Uint8Array) => exchanges.exchange(r, 2_000);
            const answers = together
              ? await Promise.all(requests.map(send))
              : await requests.reduce<Promise<Buffer[]>>(
                  async (done, r) => [...(await done), await send(r)],
                  Promise.resolve([]),
                );
            answers.forEach((a, i) => {
              expect(a.subarray(0, 4).toString()).toBe("ans:");
              expect(Buffer.compare(a.subarray(4), Buffer.from(requests[i]))).toBe(0);
            });
          },
        ),
        { numRuns: 100 },
      );
      expect(opened.get("/t.X/Echo")).toBe(1);
    } finally {
      channel.close();
    }
  });

  it("reassembles answers split into one-byte frames", async () => {
    const channel = new GrpcChannel(url);
    const exchanges = new GrpcExchangeStream(channel, "/t.X/Split");
    try {
      const answers = await Promise.all(
        ["a", "bb", "ccc"].map((t) => exchanges.exchange(Buffer.from(t), 2_000)),
      );
      expect(answers.map(String)).toEqual(["ans:a", "ans:bb", "ans:ccc"]);
    } finally {
      channel.close();
    }
  });

  it("a missed deadline fails that exchange and those behind it at the deadline; the next one opens a new stream", async () => {
    const channel = new GrpcChannel(url);
    const exchanges = new GrpcExchangeStream(channel, "/t.X/Deadline");
    opened.delete("/t.X/Deadline");
    try {
      expect(String(await exchanges.exchange(Buffer.from("first"), 2_000))).toBe("ans:first");
      const started = performance.now();
      const silent = exchanges.exchange(Buffer.from("silent"), 150).catch((e: unknown) => e);
      const behind = exchanges.exchange(Buffer.from("behind"), 5_000).catch((e: unknown) => e);
      const [a, b] = await Promise.all([silent, behind]);
      const waited = performance.now() - started;
      expect(a).toBeInstanceOf(GrpcNoAnswerError);
      // queued behind an unanswered request, it is failed with it: its answer could never be matched
      expect(b).toBeInstanceOf(GrpcNoAnswerError);
      expect(waited).toBeGreaterThanOrEqual(145);
      expect(waited).toBeLessThan(2_000);
      expect(String(await exchanges.exchange(Buffer.from("after"), 2_000))).toBe("ans:after");
      expect(opened.get("/t.X/Deadline")).toBe(2);
    } finally {
      channel.close();
    }
  });

  it("a stream the peer ends with a status fails what waits with a GrpcStatusError; the next exchange works", async () => {
    const channel = new GrpcChannel(url);
    const exchanges = new GrpcExchangeStream(channel, "/t.X/Refuse");
    try {
      const err = await exchanges.exchange(Buffer.from("refuse"), 2_000).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GrpcStatusError);
      expect((err as GrpcStatusError).code).toBe(9);
      expect((err as GrpcStatusError).details).toBe("etcdserver: not leader");
      expect(String(await exchanges.exchange(Buffer.from("again"), 2_000))).toBe("ans:again");
    } finally {
      channel.close();
    }
  });

  it("an answer no request waits for drops the stream; the next exchange opens a new one", async () => {
    const channel = new GrpcChannel(url);
    const exchanges = new GrpcExchangeStream(channel, "/t.X/Twice");
    opened.delete("/t.X/Twice");
    try {
      expect(String(await exchanges.exchange(Buffer.from("one"), 2_000))).toBe("ans:one");
      // the duplicate answer to "one" arrived in the same chunk: the stream is gone, not misread
      expect(String(await exchanges.exchange(Buffer.from("two"), 2_000))).toBe("ans:two");
      expect(opened.get("/t.X/Twice")).toBe(2);
    } finally {
      channel.close();
    }
  });

  it("reset fails what waits without an answer; a closed channel refuses exchanges without sending", async () => {
    const channel = new GrpcChannel(url);
    const exchanges = new GrpcExchangeStream(channel, "/t.X/Echo");
    const waiting = exchanges.exchange(Buffer.from("silent"), 5_000).catch((e: unknown) => e);
    exchanges.reset();
    expect(await waiting).toBeInstanceOf(GrpcNoAnswerError);
    channel.close();
    const err = await exchanges.exchange(Buffer.from("x"), 2_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrpcNoAnswerError);
  });
});
