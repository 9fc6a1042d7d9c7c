// Test helpers for `locksmith check`: run the CLI in this process (its `main`, output captured) or as the
// real binary (dist/cli/bin.js, executed itself so its shebang's flags apply, with an argument array), and temp
// files that are always removed.
// Helpers only: no assertions here, and nothing may outlive the test that called it.

import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../../cli/main.js";

export const PROJECT_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const DATA_DIR = resolve(PROJECT_ROOT, "..", "shared", "data");
export const BIN = join(PROJECT_ROOT, "dist", "cli", "bin.js");

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run `locksmith ARGS` through the CLI's own main() in this process, capturing what it writes.
 * Restores process.exitCode afterwards so a verdict never becomes the test runner's exit status.
 */
export async function runInProcess(args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const realOut = process.stdout.write;
  const realErr = process.stderr.write;
  const savedExitCode = process.exitCode;
  process.exitCode = undefined;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    process.stdout.write = realOut;
    process.stderr.write = realErr;
    process.exitCode = savedExitCode;
  }
}

/** Run the built binary (`dist/cli/bin.js ARGS`, executed itself as npx would) as a child process. */
export function runBinary(args: string[], timeoutMs = 60_000): Promise<CliRun> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
  return new Promise((resolvePromise, reject) => {
    execFile(
      BIN,
      args,
      { cwd: PROJECT_ROOT, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") {
          reject(error);
          return;
        }
        resolvePromise({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** A temp directory for one test file; `cleanup` removes it (call it in afterAll). */
export function makeTempDir(prefix: string): {
  dir: string;
  write: (name: string, text: string | Uint8Array) => string;
  cleanup: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), `locksmith-${prefix}-`));
  return {
    dir,
    write(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The pattern every bad-input message must follow: `locksmith: <file>:<line>: <what is wrong>`. */
export function fileLineMessage(file: string): RegExp {
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^locksmith: ${escaped}:\\d+: \\S`, "m");
}

/** A Node stack frame line: never allowed in the output for bad input. */
export const STACK_FRAME = /^\s+at .+\(.*:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;
