// The `lease-lock` model (DESIGN.md section 4): a lock whose holder keeps it only for a lease of ttl ms,
// measured on clocks that may drift by a factor epsilon. docs/models.md explains it with examples.
// Pure: it must never look at the clock, mutate a state or an operation, or keep anything between calls;
// `prepare` returns a copy of each op carrying its parsed form.

import { ownerReadResult, prepareLockOp } from "./lock-ops.js";
import { type Model, type Operation, partitionByKey } from "./model.js";
import { field, ModelInputError, ownerOf } from "./values.js";

export interface LeaseLockOptions {
  /** Drift bound: a lease of ttl ms lasts at least ttl·(1−epsilon) on the runner's clock. Default 0.01. */
  epsilon?: number;
  /** Whether the fencing tokens of successful acquires must strictly increase. Default false. */
  fencing?: boolean;
  /** TTL for ops that carry no ttlMs (e.g. Knossos's etcd history: 2000). Infinity: leases never end. */
  defaultTtlMs?: number;
}

export interface LeaseLockState {
  /** Owner id of the holder, or null when nobody holds the lock. */
  readonly holder: string | null;
  /** Runner ns: the earliest time at which the holder's lease may have ended (-Infinity when free). */
  readonly expLo: number;
  /** The highest fencing token seen on a successful acquire, or null before the first. */
  readonly lastToken: bigint | null;
  /** Runner ns: the linearization point of the last op placed. */
  readonly now: number;
}

/** What `step` needs from an op, parsed once. */
interface LockParams {
  owner: string;
  /** Guaranteed lease length on the runner's clock, ns: ttl·(1−ε). */
  minLeaseNs: number;
  /** Earliest time the server may have started the lease, ns. */
  leaseStart: number;
  /** The fencing token of an ok acquire, when known. */
  token: bigint | null;
  /** The holder an owner read returned. */
  read: string | null;
}

const NS_PER_MS = 1_000_000;

/** Where `prepare` keeps an op's parsed form (a symbol: invisible to JSON and to other code). */
const PARAMS = Symbol("lease-lock params");
type ParsedOperation = Operation & { [PARAMS]?: LockParams };
const FREE: LeaseLockState = Object.freeze({
  holder: null,
  expLo: -Infinity,
  lastToken: null,
  now: -Infinity,
});

/** A fencing token as a BigInt; null when absent; undefined when malformed. */
function parseToken(raw: unknown): bigint | null | undefined {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === "number" && Number.isInteger(raw)) return BigInt(raw);
  if (typeof raw === "string" && /^-?\d+$/.test(raw)) return BigInt(raw);
  return undefined;
}

export function leaseLockModel(options: LeaseLockOptions = {}): Model<LeaseLockState> {
  const epsilon = options.epsilon ?? 0.01;
  const fencing = options.fencing ?? false;
  const defaultTtlMs = options.defaultTtlMs;
  if (!(epsilon >= 0 && epsilon < 1))
    throw new RangeError(`lease-lock: epsilon must be in [0, 1), got ${epsilon}`);
  if (defaultTtlMs !== undefined && !(defaultTtlMs > 0)) {
    throw new RangeError(`lease-lock: defaultTtlMs must be > 0, got ${defaultTtlMs}`);
  }
  function parse(op: Operation): LockParams {
    const known = (op as ParsedOperation)[PARAMS];
    if (known) return known;
    let ttlMs = field(op.output, "ttlMs") ?? field(op.input, "ttlMs") ?? defaultTtlMs;
    if (op.f !== "acquire" && op.f !== "renew") ttlMs = Infinity;
    if (typeof ttlMs !== "number" || !(ttlMs > 0)) {
      throw new ModelInputError(
        "lease-lock",
        op,
        "needs a positive value.ttlMs (or the model option defaultTtlMs)",
      );
    }
    const granted = field(op.output, "leaseGrantedAt");
    if (granted !== undefined && typeof granted !== "number") {
      throw new ModelInputError("lease-lock", op, "value.leaseGrantedAt must be a number (runner ns)");
    }
    const rawToken = op.indeterminate ? undefined : field(op.output, "token");
    const token = parseToken(rawToken);
    if (token === undefined) {
      throw new ModelInputError(
        "lease-lock",
        op,
        `value.token must be a decimal string, got ${JSON.stringify(rawToken)}`,
      );
    }
    if (fencing && op.f === "acquire" && !op.indeterminate && token === null) {
      throw new ModelInputError("lease-lock", op, "fencing is on but this ok acquire has no value.token");
    }
    return {
      owner: ownerOf(op),
      minLeaseNs: ttlMs === Infinity ? Infinity : ttlMs * NS_PER_MS * (1 - epsilon),
      leaseStart: typeof granted === "number" ? Math.min(op.invokeTime, granted) : op.invokeTime,
      token,
      read: op.f === "owner" ? ownerReadResult(op) : null,
    };
  }

  return {
    name: "lease-lock",
    init: () => FREE,
    step(s, op) {
      const o = parse(op);
      const base = Math.max(s.now, op.invokeTime);
      // The earliest point at which the holder's lease may have ended, if this op needs that.
      const afterExpiry = Math.max(s.expLo, base);
      switch (op.f) {
        case "acquire": {
          const p = s.holder === null ? base : afterExpiry;
          if (p > op.completeTime) return undefined;
          if (fencing && o.token !== null && s.lastToken !== null && o.token <= s.lastToken) return undefined;
          return {
            holder: o.owner,
            expLo: o.leaseStart + o.minLeaseNs,
            lastToken: o.token ?? s.lastToken,
            now: p,
          };
        }
        case "renew": {
          if (s.holder !== o.owner || base > op.completeTime) return undefined;
          const renewed = op.invokeTime + o.minLeaseNs;
          return {
            holder: s.holder,
            expLo: Math.max(renewed, s.expLo),
            lastToken: s.lastToken,
            now: base,
          };
        }
        case "release": {
          const p = s.holder === null || s.holder === o.owner ? base : afterExpiry;
          if (p > op.completeTime) return undefined;
          return { holder: null, expLo: -Infinity, lastToken: s.lastToken, now: p };
        }
        case "owner": {
          if (o.read === s.holder) {
            if (base > op.completeTime) return undefined;
            return { holder: s.holder, expLo: s.expLo, lastToken: s.lastToken, now: base };
          }
          if (o.read !== null || afterExpiry > op.completeTime) return undefined;
          return { holder: null, expLo: -Infinity, lastToken: s.lastToken, now: afterExpiry };
        }
        default:
          return undefined;
      }
    },
    key: (s) =>
      `${s.holder === null ? "-" : `${s.holder.length}:${s.holder}`}|${s.expLo}|${s.lastToken ?? "-"}|${s.now}`,
    partition: partitionByKey,
    prepare(op) {
      const prepared = prepareLockOp("lease-lock", op);
      if (!prepared) return undefined;
      // Parse once (rejecting bad input before the search starts) and keep the result on a copy of the op.
      const copy: ParsedOperation = {
        id: prepared.id,
        process: prepared.process,
        f: prepared.f,
        key: prepared.key,
        input: prepared.input,
        output: prepared.output,
        indeterminate: prepared.indeterminate,
        invokeTime: prepared.invokeTime,
        completeTime: prepared.completeTime,
        completeId: prepared.completeId,
      };
      copy[PARAMS] = parse(prepared);
      return copy;
    },
    describeOperation(op) {
      const o = parse(op);
      const ms = (ns: number) => `${(ns / NS_PER_MS).toFixed(3)} ms`;
      const window = `[${ms(op.invokeTime)}, ${op.completeTime === Infinity ? "?" : ms(op.completeTime)}]`;
      const unknown = op.indeterminate ? " (unknown outcome)" : "";
      if (op.f === "owner") return `owner -> ${o.read ?? "none"} ${window}`;
      const token = o.token !== null ? ` token ${o.token}` : "";
      return `${op.f} by ${o.owner}${token} ${window}${unknown}`;
    },
    // Every op is placed at p >= now, and is illegal when p > its completeTime.
    earliestNextTime: (s) => s.now,
    // The same rewrites as the wasm engine's (checker/wasm/assembly/models.ts stepLeaseLock, and its codec,
    // which keeps no token without fencing), so both engines remember the same states: an expired holder
    // no remaining op observes acts as no holder (every op that needs the lease ended is placed at
    // max(now, invoke) either way); a `now` no later than every remaining invocation constrains nothing;
    // without fencing, the last token constrains nothing either.
    canonical(s, remaining) {
      let out = s;
      if (!fencing && s.lastToken !== null) out = { ...out, lastToken: null };
      if (s.holder !== null && s.expLo <= s.now && !remaining.observed(s.holder)) {
        out = { ...out, holder: null, expLo: Number.NEGATIVE_INFINITY };
      }
      if (out.now <= remaining.earliestInvoke) out = { ...out, now: Number.NEGATIVE_INFINITY };
      return out;
    },
    observes(op) {
      if (op.f === "renew" || op.f === "release") return ownerOf(op);
      if (op.f === "owner") return ownerReadResult(op);
      return null;
    },
    // An unknown op that only moved `now` later only constrains what follows.
    unchanged: (before, after) =>
      before.holder === after.holder && before.expLo === after.expLo && before.lastToken === after.lastToken,
    describeState(s) {
      const ms = (ns: number) => `${(ns / NS_PER_MS).toFixed(3)} ms`;
      const token = s.lastToken === null ? "" : `, last token ${s.lastToken}`;
      const at = s.now === -Infinity ? "" : ` at ${ms(s.now)}`;
      if (s.holder === null) return `free${token}${at}`;
      return `held by ${s.holder} until at least ${ms(s.expLo)}${token}${at}`;
    },
  };
}
