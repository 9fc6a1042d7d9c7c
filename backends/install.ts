// Finding the server binaries (etcd, etcdctl, redis-server) and, when they are missing, installing them
// with the system package manager (DESIGN.md section 6): only as root on Debian/Ubuntu, saying so on stderr
// as it does it. With `noInstall`, or where it cannot install, it throws a MissingBinariesError carrying the
// exact command to run. It must never install anything silently, never use a shell, and never start or
// enable the distribution's own services.

import { spawn } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";

export type BinaryName = "etcd" | "etcdctl" | "redis-server" | "redis-cli";

export const APT_PACKAGES = ["etcd-server", "etcd-client", "redis-server", "iproute2", "iptables"];
/** The exact command a user can run to install everything a default run needs. */
export const INSTALL_COMMAND = `apt-get update && apt-get install -y ${APT_PACKAGES.join(" ")}`;

export class MissingBinariesError extends Error {
  constructor(
    readonly missing: BinaryName[],
    readonly command: string,
    why: string,
  ) {
    super(`missing ${missing.join(", ")}: ${why}; install them with:\n  ${command}`);
    this.name = "MissingBinariesError";
  }
}

const EXTRA_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/** The absolute path of an executable on PATH (or the usual system dirs), or undefined. */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {}
  }
  return undefined;
}

/** True on Debian/Ubuntu (apt-get present and /etc/debian_version or an os-release that says so). */
export function isDebianLike(): boolean {
  if (!findBinary("apt-get")) return false;
  if (existsSync("/etc/debian_version")) return true;
  try {
    return /ID(_LIKE)?=.*(debian|ubuntu)/i.test(readFileSync("/etc/os-release", "utf8"));
  } catch {
    return false;
  }
}

export interface EnsureOptions {
  /** Refuse to install; throw with the command instead. */
  noInstall?: boolean;
  /** Where progress goes (default: stderr). */
  log?: (line: string) => void;
  /** How to look a binary up (default: findBinary); tests use it to pretend one is missing. */
  find?: (name: string) => string | undefined;
}

export interface InstallReport {
  paths: Record<string, string>;
  /** Milliseconds spent installing (0 when nothing was missing). */
  installMs: number;
}

let installing: Promise<void> | undefined;

/** Make sure the binaries are present, installing them when allowed and possible; returns their paths. */
export async function ensureBinaries(names: BinaryName[], opts: EnsureOptions = {}): Promise<InstallReport> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const find = opts.find ?? findBinary;
  const missing = names.filter((n) => !find(n));
  let installMs = 0;
  if (missing.length > 0) {
    if (opts.noInstall)
      throw new MissingBinariesError(missing, INSTALL_COMMAND, "installing is turned off (--no-install)");
    if (process.platform !== "linux" || process.getuid?.() !== 0) {
      throw new MissingBinariesError(
        missing,
        `sudo sh -c '${INSTALL_COMMAND}'`,
        "not root, so locksmith cannot install them",
      );
    }
    if (!isDebianLike()) {
      throw new MissingBinariesError(
        missing,
        "install etcd 3.4 (etcd, etcdctl) and redis-server 7 with your package manager",
        "this is not Debian/Ubuntu",
      );
    }
    const started = Date.now();
    installing ??= aptInstall(log).finally(() => {
      installing = undefined;
    });
    await installing;
    installMs = Date.now() - started;
    const still = names.filter((n) => !find(n));
    if (still.length > 0)
      throw new MissingBinariesError(still, INSTALL_COMMAND, "still missing after apt-get install");
  }
  const paths: Record<string, string> = {};
  for (const n of names) paths[n] = find(n) as string;
  return { paths, installMs };
}

async function aptInstall(log: (line: string) => void): Promise<void> {
  log(`locksmith: etcd/redis missing; installing as root: ${INSTALL_COMMAND}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const started = Date.now();
  if (listsFresh()) {
    // package lists from the last day: try without `apt-get update` first (saves ~10 s), update if that fails
    log("locksmith: apt package lists are fresh; trying apt-get install before apt-get update");
    const ok = await runLogged("apt-get", ["install", "-y", ...APT_PACKAGES], env, () => {}).then(
      () => true,
      () => false,
    );
    if (ok) {
      log(`locksmith: install finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return;
    }
  }
  await runLogged("apt-get", ["update"], env, log);
  await runLogged("apt-get", ["install", "-y", ...APT_PACKAGES], env, log);
  log(`locksmith: install finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** True when apt's package lists exist and were refreshed within the last day. */
function listsFresh(): boolean {
  try {
    const dir = "/var/lib/apt/lists";
    const lists = readdirSync(dir).filter((n) => n.endsWith("_Packages") || n.endsWith("_Packages.lz4"));
    if (lists.length === 0) return false;
    return Date.now() - statSync(join(dir, lists[0])).mtimeMs < 24 * 3600 * 1000;
  } catch {
    return false;
  }
}

function runLogged(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  log: (l: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr?.on("data", (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code === 0) resolve();
      else {
        log(err.trim());
        reject(new Error(`${file} ${args.join(" ")} exited with ${code}`));
      }
    });
  });
}

/** The first line of `binary --version` (or `version` for etcdctl), or undefined when it will not run. */
export function binaryVersion(name: BinaryName): Promise<string | undefined> {
  const path = findBinary(name);
  if (!path) return Promise.resolve(undefined);
  const args = name === "etcdctl" ? ["version"] : ["--version"];
  return new Promise((resolve) => {
    const child = spawn(path, args, {
      stdio: ["ignore", "pipe", "ignore"],
      env: { ...process.env, ETCDCTL_API: "3" },
    });
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.once("error", () => resolve(undefined));
    child.once("exit", () => resolve(out.split("\n")[0]?.trim() || undefined));
  });
}
