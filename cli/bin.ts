#!/usr/bin/env -S node --no-concurrent-recompilation
// The executable entry of `locksmith`: runs the CLI and sets the exit code. Nothing else belongs here.
// The shebang's flags are cli/node-flags.ts's CLI_NODE_FLAGS (why: see there); run it as `npx locksmith`
// or directly, not as `node bin.js`, which drops them.

import { main } from "./main.js";

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
