// Codec for `lease-lock` (models/lease-lock.ts): owners become ints (0 = nobody), fencing tokens their
// rank among the partition's tokens, and each op's lease end is computed by the model's own `step` on a
// probe state, so the floating-point arithmetic is the model's, bit for bit. The rules themselves are
// restated in assembly/models.ts (stepLeaseLock); property tests hold the two together.
// It must never change what the model means.

import { ownerReadResult } from "../../../models/lock-ops.js";
import type { Model, Operation } from "../../../models/model.js";
import { ownerOf } from "../../../models/values.js";
import {
  A,
  B,
  D,
  type EncodedPartition,
  emptyEncoding,
  Interner,
  KIND,
  MODEL_CODE,
  type ModelCodec,
  RECORD_DOUBLES,
  RECORD_INTS,
  X,
} from "./codec.js";

export const LEASE_KIND = { never: 0, acquire: 1, renew: 2, release: 3, owner: 4 } as const;

interface LeaseState {
  holder: string | null;
  expLo: number;
  lastToken: bigint | null;
  now: number;
}

export const leaseLockCodec: ModelCodec = {
  matches: (model) => model.name === "lease-lock",
  encode(model: Model, ops: readonly Operation[]): EncodedPartition {
    const m = model as Model<LeaseState>;
    const free = m.init();
    const owners = new Interner(1);
    const enc = emptyEncoding(MODEL_CODE.leaseLock, ops);
    const r = enc.records;
    const x = enc.doubles;
    const tokens: bigint[] = [];
    const tokenOf = new Array<bigint | null>(ops.length).fill(null);
    let fencing: boolean | undefined;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      const at = i * RECORD_INTS;
      const xAt = i * RECORD_DOUBLES + X;
      switch (op.f) {
        case "acquire": {
          r[at + KIND] = LEASE_KIND.acquire;
          const owner = ownerOf(op);
          r[at + A] = owners.id(owner);
          r[at + B] = -1;
          const after = m.step(free, op);
          if (after === undefined) {
            r[at + KIND] = LEASE_KIND.never;
            break;
          }
          x[xAt] = after.expLo;
          const token = after.lastToken;
          if (token === null) break;
          // Fencing (a model option) is on exactly when the model refuses a token after itself.
          fencing ??= m.step({ ...free, lastToken: token }, op) === undefined;
          if (fencing) {
            tokenOf[i] = token;
            tokens.push(token);
          }
          break;
        }
        case "renew": {
          r[at + KIND] = LEASE_KIND.renew;
          const owner = ownerOf(op);
          r[at + A] = owners.id(owner);
          r[at + D] = r[at + A];
          const after = m.step(
            {
              holder: owner,
              expLo: Number.NEGATIVE_INFINITY,
              lastToken: null,
              now: Number.NEGATIVE_INFINITY,
            },
            op,
          );
          if (after === undefined) r[at + KIND] = LEASE_KIND.never;
          else x[xAt] = after.expLo;
          break;
        }
        case "release":
          r[at + KIND] = LEASE_KIND.release;
          r[at + A] = owners.id(ownerOf(op));
          r[at + D] = r[at + A];
          break;
        case "owner": {
          const read = ownerReadResult(op);
          r[at + KIND] = LEASE_KIND.owner;
          r[at + A] = read === null ? 0 : owners.id(read);
          r[at + D] = r[at + A];
          break;
        }
        default:
          r[at + KIND] = LEASE_KIND.never;
      }
    }
    if (tokens.length > 0) {
      const sorted = [...new Set(tokens)].sort((p, q) => (p < q ? -1 : p > q ? 1 : 0));
      const rank = new Map(sorted.map((t, k) => [t, k]));
      tokenOf.forEach((t, i) => {
        if (t !== null) r[i * RECORD_INTS + B] = rank.get(t) as number;
      });
    }
    const lastToken = free.lastToken;
    if (lastToken !== null) throw new Error("lease-lock codec: an initial fencing token is not supported");
    enc.init = [free.holder === null ? 0 : owners.id(free.holder), -1, free.expLo, free.now];
    enc.keys = owners.size + 1;
    return enc;
  },
};
