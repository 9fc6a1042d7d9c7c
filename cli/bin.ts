#!/usr/bin/env node
// The executable entry of `locksmith`: runs the CLI and sets the exit code. Nothing else belongs here.

import { main } from "./main.js";

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
