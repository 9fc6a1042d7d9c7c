// The registry of search engines and the choice of one for a model ("auto": wasm when it supports the
// model, else ts). Engines register here; this file must never contain search code.

import type { Model } from "../models/model.js";
import type { Engine } from "./engine.js";
import { oracleEngine } from "./oracle.js";
import { tsEngine } from "./ts-engine.js";
import { createWasmEngine } from "./wasm/engine.js";

export type EngineChoice = "auto" | "wasm" | "ts" | "oracle";

/** Every engine available. The wasm engine falls back to ts for a partition its codec cannot encode. */
export const ENGINES: Engine[] = [createWasmEngine({ fallback: tsEngine }), tsEngine, oracleEngine];

export function findEngine(name: Engine["name"]): Engine | undefined {
  return ENGINES.find((e) => e.name === name);
}

/** The engine to run `model` with; an error when the named engine is missing or cannot run the model. */
export function selectEngine(choice: EngineChoice, model: Model): Engine {
  if (choice === "auto") {
    const wasm = findEngine("wasm");
    return wasm?.supports(model) ? wasm : tsEngine;
  }
  const engine = findEngine(choice);
  if (!engine)
    throw new Error(`engine "${choice}" is not available (known: ${ENGINES.map((e) => e.name).join(", ")})`);
  if (!engine.supports(model)) throw new Error(`engine "${choice}" cannot run model "${model.name}"`);
  return engine;
}
