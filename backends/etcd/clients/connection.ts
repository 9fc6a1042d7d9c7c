// etcd3 (gRPC) connections for the etcd lock clients, set up for honest recording (DESIGN.md section 6):
// etcd3's retry and circuit-breaker policies are replaced by no-op policies (its default retries re-send
// non-idempotent txns), grpc-js's transparent retries are off, and every call carries a gRPC deadline.
// It must never add a retry of its own.

import { noop } from "cockatiel";
import { Etcd3, EtcdLeaseInvalidError } from "etcd3";
import { DefiniteFailure } from "../../adapter.js";
import type { Endpoints } from "../../registry.js";

/** gRPC call options, as etcd3's RPC clients take them. */
export type CallOptions = NonNullable<Parameters<Etcd3["kv"]["txn"]>[1]>;

/**
 * gRPC channel options: no transparent retries (grpc-js re-sends by default a call that it believes never
 * reached the server; here such a call fails and is recorded as what it is), and no channelz bookkeeping.
 */
export const GRPC_OPTIONS = { "grpc.enable_retries": 0, "grpc.enable_channelz": 0 } as const;

/** A client for the given etcd client URLs, with no hidden retries. */
export function connectEtcd(endpoints: Endpoints, lock: string): Etcd3 {
  const hosts = endpoints.etcd ?? [];
  if (hosts.length === 0) throw new Error(`${lock} needs etcd endpoints`);
  return new Etcd3({
    hosts,
    dialTimeout: 2_000,
    faultHandling: { host: () => noop, global: noop },
    grpcOptions: GRPC_OPTIONS,
  });
}

/** gRPC call options with a deadline `timeoutMs` from now. */
export function callDeadline(timeoutMs: number): CallOptions {
  return { deadline: new Date(Date.now() + Math.max(1, timeoutMs)) };
}

/** etcd lease TTLs are whole seconds: round up, so the real lease is never shorter than asked. */
export function leaseSeconds(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs / 1000));
}

/** A lease that etcd no longer knows (expired or revoked): the call it answered did nothing. */
export function isLeaseGone(err: unknown): boolean {
  return (
    err instanceof EtcdLeaseInvalidError ||
    String((err as Error)?.message).includes("requested lease not found")
  );
}

/** Rethrow, turning "the lease is gone" into a definite failure with `reason`. */
export function classifyLease(reason: string): (err: unknown) => never {
  return (err: unknown) => {
    if (err instanceof DefiniteFailure) throw err;
    if (isLeaseGone(err)) throw new DefiniteFailure(reason);
    throw err;
  };
}

/** Any error becomes a definite failure: for calls made before the lock step was ever sent. */
export function notSent(reason: string): (err: unknown) => never {
  return (err: unknown) => {
    if (err instanceof DefiniteFailure) throw err;
    throw new DefiniteFailure(`${reason}: ${(err as Error)?.message ?? String(err)}`);
  };
}
