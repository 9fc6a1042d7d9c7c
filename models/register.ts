// The `register` model: one register with read and write (Knossos's register). The rules live in
// cas-register.ts; this file only names the variant without cas. It must never add rules of its own.

import { makeRegisterModel, type RegisterOptions } from "./cas-register.js";
import type { Model } from "./model.js";

export function registerModel(options: RegisterOptions = {}): Model<unknown> {
  return makeRegisterModel("register", false, options);
}
