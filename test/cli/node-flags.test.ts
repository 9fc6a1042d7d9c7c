// cli/node-flags.ts: the binary's shebang starts node with exactly CLI_NODE_FLAGS, in the source and in
// the build that npx runs, and the built binary is executable so the shebang is what starts it.

import { accessSync, constants, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI_NODE_FLAGS } from "../../cli/node-flags.js";
import { BIN, PROJECT_ROOT } from "./check-run.js";

function shebangFlags(file: string): string[] {
  const first = readFileSync(file, "utf8").split("\n", 1)[0] ?? "";
  const match = /^#!\/usr\/bin\/env -S node((?: --[\w-]+(?:=\S+)?)*)$/.exec(first);
  if (!match) throw new Error(`${file}:1: not a "#!/usr/bin/env -S node FLAGS" shebang: ${first}`);
  return (match[1] ?? "").trim().split(" ").filter(Boolean);
}

describe("the CLI's node flags", () => {
  it("cli/bin.ts's shebang passes exactly CLI_NODE_FLAGS", () => {
    expect(shebangFlags(join(PROJECT_ROOT, "cli", "bin.ts"))).toEqual([...CLI_NODE_FLAGS]);
  });

  it("the built dist/cli/bin.js keeps that shebang and is executable", () => {
    expect(shebangFlags(BIN)).toEqual([...CLI_NODE_FLAGS]);
    expect(() => accessSync(BIN, constants.X_OK)).not.toThrow();
  });
});
