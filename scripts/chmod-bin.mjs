// Build step: make the compiled CLI entry executable (tsc does not keep modes). Never touches sources.
import { chmodSync, existsSync } from "node:fs";

const bin = new URL("../dist/cli/bin.js", import.meta.url);
if (existsSync(bin)) chmodSync(bin, 0o755);
