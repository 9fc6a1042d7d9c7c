// The registry of built-in models: `getModel(name, options)` builds one by name. It must never do I/O;
// unknown names and bad options are errors that list what is accepted.

import { casRegisterModel } from "./cas-register.js";
import { kvModel } from "./kv.js";
import { type LeaseLockOptions, leaseLockModel } from "./lease-lock.js";
import type { Model } from "./model.js";
import { multiRegisterModel } from "./multi-register.js";
import { mutexModel } from "./mutex.js";
import { ownerMutexModel } from "./owner-mutex.js";
import { registerModel } from "./register.js";

export interface ModelOptions extends LeaseLockOptions {
  /** register, cas-register: the initial value (default null); multi-register: the initial map. */
  initial?: unknown;
  /** register, cas-register: Knossos's rule that a nil read matches any value (default false). */
  nilReadMatchesAny?: boolean;
}

export const MODEL_NAMES = [
  "register",
  "cas-register",
  "kv",
  "kv-unpartitioned",
  "multi-register",
  "mutex",
  "owner-mutex",
  "lease-lock",
] as const;

export type ModelName = (typeof MODEL_NAMES)[number];

export function isModelName(name: string): name is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(name);
}

export function getModel(name: string, options: ModelOptions = {}): Model<unknown> {
  switch (name) {
    case "register":
      return registerModel(options) as Model<unknown>;
    case "cas-register":
      return casRegisterModel(options) as Model<unknown>;
    case "kv":
      return kvModel({ partitioned: true }) as Model<unknown>;
    case "kv-unpartitioned":
      return kvModel({ partitioned: false }) as Model<unknown>;
    case "multi-register": {
      const initial = options.initial ?? {};
      if (initial === null || typeof initial !== "object" || Array.isArray(initial)) {
        throw new TypeError("multi-register: option initial must be a map of register name -> value");
      }
      return multiRegisterModel({ initial: initial as Record<string, unknown> }) as Model<unknown>;
    }
    case "mutex":
      return mutexModel() as Model<unknown>;
    case "owner-mutex":
      return ownerMutexModel() as Model<unknown>;
    case "lease-lock":
      return leaseLockModel(options) as Model<unknown>;
    default:
      throw new TypeError(`unknown model "${name}"; known models: ${MODEL_NAMES.join(", ")}`);
  }
}

export type { Model, Operation } from "./model.js";
