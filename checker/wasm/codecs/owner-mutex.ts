// Codec for `owner-mutex` (models/owner-mutex.ts): owners become ints (0 = nobody), each op one of
// acquire / release / renew by an owner, or an owner read. It must never change the model's rules:
// they are restated in assembly/models.ts (stepOwnerMutex) and held to the TS model by property tests.

import { ownerReadResult } from "../../../models/lock-ops.js";
import type { Model, Operation } from "../../../models/model.js";
import { ownerOf } from "../../../models/values.js";
import {
  A,
  type EncodedPartition,
  emptyEncoding,
  Interner,
  KIND,
  MODEL_CODE,
  type ModelCodec,
  RECORD_INTS,
} from "./codec.js";

export const OWNER_KIND = { never: 0, acquire: 1, release: 2, owner: 3, renew: 4 } as const;

export const ownerMutexCodec: ModelCodec = {
  matches: (model) => model.name === "owner-mutex",
  encode(_model: Model, ops: readonly Operation[]): EncodedPartition {
    const owners = new Interner(1);
    const enc = emptyEncoding(MODEL_CODE.ownerMutex, ops);
    const r = enc.records;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      const at = i * RECORD_INTS;
      switch (op.f) {
        case "acquire":
        case "release":
        case "renew":
          r[at + KIND] = OWNER_KIND[op.f];
          r[at + A] = owners.id(ownerOf(op));
          break;
        case "owner": {
          const read = ownerReadResult(op);
          r[at + KIND] = OWNER_KIND.owner;
          r[at + A] = read === null ? 0 : owners.id(read);
          break;
        }
        default:
          r[at + KIND] = OWNER_KIND.never;
      }
    }
    return enc;
  },
};
