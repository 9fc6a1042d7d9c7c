// Each owner's tenures of a lock "by its own account": from its acquire's ok to its release's invocation
// (or its next ok acquire, or, never released, its last access or renewal), with the renewals and the
// resource accesses it made meanwhile. Shared by the exclusion and lease-usage checks; pure, no I/O.

import { byTime, isFinalRead, isResourceAccess, opField, ownerOfOp, type PairedOp } from "./operations.js";

export interface Tenure {
  key: string;
  owner: string;
  /** The ok acquire that began it. */
  acquire: PairedOp;
  /** The acquire's ok time: the owner holds the lock from here by its own account. */
  start: number;
  /** The release whose invocation ended it, if any. */
  release?: PairedOp;
  /** The owner's next ok acquire (same key) that began a new tenure without a release, if any. */
  reacquire?: PairedOp;
  /**
   * Where the tenure ends by the owner's account: the release's invocation, the next ok acquire's return,
   * or (never released) the last return of its accesses and renewals (the start when it made none).
   */
  end: number;
  /** ok renews invoked during the tenure, by invocation time. */
  renews: PairedOp[];
  /** The owner's resource accesses (any outcome) invoked during the tenure, by invocation time. */
  accesses: PairedOp[];
}

/** A resource access that no tenure of its owner covers. */
export interface OrphanAccess {
  access: PairedOp;
  owner: string;
  /** The owner's tenure that ended (by release or re-acquire) before the access, if any. */
  after?: Tenure;
}

export interface KeyTenures {
  key: string;
  /** All tenures on the key, by start. */
  tenures: Tenure[];
  orphans: OrphanAccess[];
}

function groupBy<T>(items: T[], keyOf: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = keyOf(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

/** The tenures of every owner on every key. Final reads (the runner's own) are not accesses. */
export function buildTenures(ops: PairedOp[]): Map<string, KeyTenures> {
  const relevant = ops.filter(
    (op) =>
      (op.f === "acquire" && op.type === "ok") ||
      op.f === "release" ||
      (op.f === "renew" && op.type === "ok") ||
      (isResourceAccess(op) && !isFinalRead(op)),
  );
  const out = new Map<string, KeyTenures>();
  for (const [key, keyOps] of groupBy(relevant, (op) => op.key)) {
    const keyTenures: KeyTenures = { key, tenures: [], orphans: [] };
    out.set(key, keyTenures);
    for (const [owner, mine] of groupBy(keyOps, ownerOfOp)) {
      buildOwnerTenures(key, owner, mine, keyTenures);
    }
    keyTenures.tenures.sort((a, b) => a.start - b.start || a.acquire.id - b.acquire.id);
    keyTenures.orphans.sort((a, b) => a.access.invokeTime - b.access.invokeTime || a.access.id - b.access.id);
  }
  return out;
}

function buildOwnerTenures(key: string, owner: string, mine: PairedOp[], into: KeyTenures): void {
  const acquires = mine.filter((op) => op.f === "acquire").sort(byTime((op) => op.completeTime));
  const releases = mine.filter((op) => op.f === "release").sort(byTime((op) => op.invokeTime));
  const renews = mine.filter((op) => op.f === "renew").sort(byTime((op) => op.invokeTime));
  const accesses = mine.filter(isResourceAccess).sort(byTime((op) => op.invokeTime));

  // Tenure intervals [start, boundary) are disjoint and in order (a boundary never passes the next start),
  // so one pointer per list assigns everything in a single pass.
  const tenures: Tenure[] = [];
  let ri = 0;
  let ni = 0;
  let ai = 0;
  const orphans: PairedOp[] = [];
  for (let i = 0; i < acquires.length; i++) {
    const acquire = acquires[i];
    const start = acquire.completeTime;
    while (ri < releases.length && releases[ri].invokeTime < start) ri++;
    const release = releases[ri];
    const next = acquires[i + 1];
    let boundary = Number.POSITIVE_INFINITY;
    let endedBy: "release" | "reacquire" | undefined;
    if (release) {
      boundary = release.invokeTime;
      endedBy = "release";
    }
    if (next && next.completeTime < boundary) {
      boundary = next.completeTime;
      endedBy = "reacquire";
    }
    const tenure: Tenure = { key, owner, acquire, start, end: boundary, renews: [], accesses: [] };
    while (ni < renews.length && renews[ni].invokeTime < start) ni++;
    while (ni < renews.length && renews[ni].invokeTime < boundary) tenure.renews.push(renews[ni++]);
    while (ai < accesses.length && accesses[ai].invokeTime < start) orphans.push(accesses[ai++]);
    while (ai < accesses.length && accesses[ai].invokeTime < boundary) tenure.accesses.push(accesses[ai++]);
    if (endedBy === "release") tenure.release = release;
    if (endedBy === "reacquire") tenure.reacquire = next;
    if (!Number.isFinite(boundary)) {
      let last = start;
      for (const op of tenure.accesses) last = Math.max(last, op.returnTime);
      for (const op of tenure.renews) last = Math.max(last, op.returnTime);
      tenure.end = last;
    }
    tenures.push(tenure);
  }
  while (ai < accesses.length) orphans.push(accesses[ai++]);
  into.tenures.push(...tenures);

  // Each orphan is attached to the owner's last tenure that started at or before it (if any).
  let ti = -1;
  for (const access of orphans) {
    while (ti + 1 < tenures.length && tenures[ti + 1].start <= access.invokeTime) ti++;
    const orphan: OrphanAccess = { access, owner };
    if (ti >= 0) orphan.after = tenures[ti];
    into.orphans.push(orphan);
  }
}

/** The TTL (ms) of an acquire or renew: value.ttlMs (completion, then invocation), else the fallback. */
export function ttlOf(op: PairedOp, fallbackMs: number | undefined): number | undefined {
  const t = opField(op, "ttlMs");
  if (typeof t === "number" && Number.isFinite(t) && t > 0) return t;
  return fallbackMs;
}
