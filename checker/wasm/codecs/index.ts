// The codec for each built-in model the wasm engine runs. It must never hold state between partitions.

import type { Model } from "../../../models/model.js";
import type { ModelCodec } from "./codec.js";
import { finiteCodec } from "./finite.js";
import { kvCodec } from "./kv.js";
import { leaseLockCodec } from "./lease-lock.js";
import { ownerMutexCodec } from "./owner-mutex.js";

const CODECS: readonly ModelCodec[] = [finiteCodec, ownerMutexCodec, leaseLockCodec, kvCodec];

export function codecFor(model: Model): ModelCodec | undefined {
  return CODECS.find((c) => c.matches(model));
}
