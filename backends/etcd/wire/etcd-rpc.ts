// The etcd v3 RPCs the etcd-cas lock client makes (Range, Txn, LeaseGrant, LeaseKeepAlive, Status), as
// typed functions over one member's GrpcChannel. Messages are encoded and decoded by protobufjs from the
// etcd3 package's copy of etcd's rpc.proto, so no message layout is written by hand; int64s cross as
// decimal strings. It must never retry, never choose a member (leader-first.ts does) and never turn an
// error into another: callers see GrpcStatusError (etcd's answer) or GrpcNoAnswerError (none).

import { createRequire } from "node:module";
import protobuf from "protobufjs";
import { GrpcChannel, GrpcNoAnswerError } from "./grpc-channel.js";
import { GrpcExchangeStream } from "./grpc-exchange.js";

const require = createRequire(import.meta.url);

let root: protobuf.Root | undefined;

function type(name: string): protobuf.Type {
  root ??= protobuf.loadSync(require.resolve("etcd3/proto/rpc.proto"));
  return root.lookupType(`etcdserverpb.${name}`);
}

interface Codec {
  request: protobuf.Type;
  response: protobuf.Type;
}

/** A call's message types, looked up in the proto once, at the first call (the proto is parsed then). */
function codec(requestName: string, responseName: string): () => Codec {
  let c: Codec | undefined;
  return () => {
    c ??= { request: type(requestName), response: type(responseName) };
    return c;
  };
}

const LEASE_GRANT = codec("LeaseGrantRequest", "LeaseGrantResponse");
const LEASE_KEEPALIVE = codec("LeaseKeepAliveRequest", "LeaseKeepAliveResponse");
const LEASE_REVOKE = codec("LeaseRevokeRequest", "LeaseRevokeResponse");
const RANGE = codec("RangeRequest", "RangeResponse");
const STATUS = codec("StatusRequest", "StatusResponse");
const TXN = codec("TxnRequest", "TxnResponse");

function encode(c: Codec, request: Record<string, unknown>): Uint8Array {
  return c.request.encode(c.request.fromObject(request)).finish();
}

// biome-ignore lint/suspicious/noExplicitAny: protobufjs decodes to plain objects of the proto's shape
type Decoded = any;

function decode(c: Codec, bytes: Buffer): Decoded {
  return c.response.toObject(c.response.decode(bytes), { longs: String, defaults: true });
}

export interface TxnAnswer {
  succeeded: boolean;
  /** The store's revision after the txn (the put's revision when it succeeded). */
  revision: string;
}

/** One etcd member, reached over its own HTTP/2 connection. */
export class EtcdMember {
  private readonly channel: GrpcChannel;
  /** The member's keepalive stream, kept open across keepalives (etcd answers each one in order). */
  private readonly keepAlives: GrpcExchangeStream;

  constructor(readonly url: string) {
    this.channel = new GrpcChannel(url);
    this.keepAlives = new GrpcExchangeStream(this.channel, "/etcdserverpb.Lease/LeaseKeepAlive");
  }

  /** A new lease of `ttlSeconds`; its ID. */
  async leaseGrant(ttlSeconds: number, timeoutMs: number): Promise<{ id: string; ttl: number }> {
    const c = LEASE_GRANT();
    const res = decode(
      c,
      await this.channel.unary("/etcdserverpb.Lease/LeaseGrant", encode(c, { TTL: ttlSeconds }), timeoutMs),
    );
    if (res.error) throw new Error(`lease grant: ${res.error}`);
    return { id: res.ID, ttl: Number(res.TTL) };
  }

  /**
   * One keepalive of a lease, on the member's open keepalive stream: its TTL in seconds afterwards (0: the
   * lease is gone). An answer that names another lease means the stream's order is lost: the stream is
   * reset and this keepalive has no answer.
   */
  async leaseKeepAlive(leaseId: string, timeoutMs: number): Promise<number> {
    const c = LEASE_KEEPALIVE();
    const answer = decode(c, await this.keepAlives.exchange(encode(c, { ID: leaseId }), timeoutMs));
    if (answer.ID !== leaseId) {
      this.keepAlives.reset("an answer for another lease");
      throw new GrpcNoAnswerError(
        this.keepAlives.method,
        `the answer named lease ${answer.ID}, not ${leaseId}`,
      );
    }
    return Number(answer.TTL);
  }

  async leaseRevoke(leaseId: string, timeoutMs: number): Promise<void> {
    const c = LEASE_REVOKE();
    await this.channel.unary("/etcdserverpb.Lease/LeaseRevoke", encode(c, { ID: leaseId }), timeoutMs);
  }

  /** If `key` does not exist, put it with `value` attached to `leaseId`. */
  async putIfAbsent(key: string, value: string, leaseId: string, timeoutMs: number): Promise<TxnAnswer> {
    const k = Buffer.from(key);
    return this.txn(
      {
        compare: [{ key: k, target: "Create", result: "Equal", createRevision: 0 }],
        success: [{ requestPut: { key: k, value: Buffer.from(value), lease: leaseId } }],
      },
      timeoutMs,
    );
  }

  /** If `key` exists with create revision `createRevision`, delete it. */
  async deleteIfCreatedAt(key: string, createRevision: string, timeoutMs: number): Promise<TxnAnswer> {
    const k = Buffer.from(key);
    return this.txn(
      {
        compare: [{ key: k, target: "Create", result: "Equal", createRevision }],
        success: [{ requestDeleteRange: { key: k } }],
      },
      timeoutMs,
    );
  }

  /** The value of `key`, or null when it does not exist (a linearizable read). */
  async get(key: string, timeoutMs: number): Promise<string | null> {
    const c = RANGE();
    const res = decode(
      c,
      await this.channel.unary("/etcdserverpb.KV/Range", encode(c, { key: Buffer.from(key) }), timeoutMs),
    );
    return res.kvs.length === 0 ? null : Buffer.from(res.kvs[0].value).toString();
  }

  /** This member's id and the leader it knows ("0": none). */
  async status(timeoutMs: number): Promise<{ member: string; leader: string }> {
    const c = STATUS();
    const res = decode(
      c,
      await this.channel.unary("/etcdserverpb.Maintenance/Status", encode(c, {}), timeoutMs),
    );
    return { member: res.header.memberId, leader: res.leader };
  }

  close(): void {
    this.keepAlives.reset("the member's client was closed");
    this.channel.close();
  }

  private async txn(request: Record<string, unknown>, timeoutMs: number): Promise<TxnAnswer> {
    const c = TXN();
    const res = decode(c, await this.channel.unary("/etcdserverpb.KV/Txn", encode(c, request), timeoutMs));
    return { succeeded: res.succeeded, revision: res.header.revision };
  }
}
