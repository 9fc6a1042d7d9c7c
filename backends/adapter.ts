// The one small interface every lock client implements (DESIGN.md section 6): acquire, renew, release, owner.
// An adapter must never retry behind the runner's back, never wait without a deadline, and must classify
// every error: a `DefiniteFailure` proves the op did not happen (recorded `fail`); anything else is `info`.

export interface LockFacts {
  /** Fencing token as a decimal string (etcd: a revision; Redis: an INCR beside the lock). */
  token?: string;
  /** Runner-clock ns when the server may have started the lease, if earlier than the invocation. */
  leaseGrantedAt?: number;
  /** Free-form facts for the report (lease id, revision, nodes that agreed...). */
  [fact: string]: unknown;
}

export interface AcquireRequest {
  key: string;
  owner: string;
  ttlMs: number;
  /** Per-call deadline; the adapter must give up (throw a non-definite error) by then. */
  timeoutMs: number;
}

export interface LockClient {
  /** Resolves with facts when the lock is held; throws DefiniteFailure("held") when it certainly is not. */
  acquire(req: AcquireRequest): Promise<LockFacts>;
  renew(req: AcquireRequest): Promise<LockFacts>;
  release(req: { key: string; owner: string; timeoutMs: number }): Promise<void>;
  /** The current holder's owner id, or null. */
  owner(req: { key: string; timeoutMs: number }): Promise<string | null>;
  close(): Promise<void>;
}

/** An error that proves the operation did not take effect (recorded as `fail`). */
export class DefiniteFailure extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "DefiniteFailure";
  }
}
