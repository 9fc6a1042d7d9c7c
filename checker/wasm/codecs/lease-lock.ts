// Codec for `lease-lock` (models/lease-lock.ts): owners become ints (0 = nobody), fencing tokens their
// rank among the partition's tokens, and each op's lease end is computed by the model's own `step` on a
// probe state, so the floating-point arithmetic is the model's, bit for bit. The rules themselves are
// restated in assembly/models.ts (stepLeaseLock); property tests hold the two together.
// It must never change what the model means.

import { ownerReadResult } from "../../../models/lock-ops.js";
import type { Model, Operation } from "../../../models/model.js";
import { ownerOf } from "../../../models/values.js";
import { type EncodedPartition, emptyEncoding, Interner, MODEL_CODE, type ModelCodec } from "./codec.js";

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
    const enc = emptyEncoding(MODEL_CODE.leaseLock, ops.length);
    const tokens: bigint[] = [];
    const tokenOf = new Array<bigint | null>(ops.length).fill(null);
    let fencing: boolean | undefined;
    ops.forEach((op, i) => {
      switch (op.f) {
        case "acquire": {
          enc.kind[i] = LEASE_KIND.acquire;
          const owner = ownerOf(op);
          enc.a[i] = owners.id(owner);
          enc.b[i] = -1;
          const after = m.step(free, op);
          if (after === undefined) {
            enc.kind[i] = LEASE_KIND.never;
            return;
          }
          enc.x[i] = after.expLo;
          const token = after.lastToken;
          if (token === null) return;
          // Fencing (a model option) is on exactly when the model refuses a token after itself.
          fencing ??= m.step({ ...free, lastToken: token }, op) === undefined;
          if (fencing) {
            tokenOf[i] = token;
            tokens.push(token);
          }
          return;
        }
        case "renew": {
          enc.kind[i] = LEASE_KIND.renew;
          const owner = ownerOf(op);
          enc.a[i] = owners.id(owner);
          enc.d[i] = enc.a[i];
          const after = m.step(
            {
              holder: owner,
              expLo: Number.NEGATIVE_INFINITY,
              lastToken: null,
              now: Number.NEGATIVE_INFINITY,
            },
            op,
          );
          if (after === undefined) enc.kind[i] = LEASE_KIND.never;
          else enc.x[i] = after.expLo;
          return;
        }
        case "release":
          enc.kind[i] = LEASE_KIND.release;
          enc.a[i] = owners.id(ownerOf(op));
          enc.d[i] = enc.a[i];
          return;
        case "owner": {
          const read = ownerReadResult(op);
          enc.kind[i] = LEASE_KIND.owner;
          enc.a[i] = read === null ? 0 : owners.id(read);
          enc.d[i] = enc.a[i];
          return;
        }
        default:
          enc.kind[i] = LEASE_KIND.never;
      }
    });
    if (tokens.length > 0) {
      const sorted = [...new Set(tokens)].sort((p, q) => (p < q ? -1 : p > q ? 1 : 0));
      const rank = new Map(sorted.map((t, r) => [t, r]));
      tokenOf.forEach((t, i) => {
        if (t !== null) enc.b[i] = rank.get(t) as number;
      });
    }
    const lastToken = free.lastToken;
    if (lastToken !== null) throw new Error("lease-lock codec: an initial fencing token is not supported");
    enc.init = [free.holder === null ? 0 : owners.id(free.holder), -1, free.expLo, free.now];
    enc.keys = owners.size + 1;
    return enc;
  },
};
