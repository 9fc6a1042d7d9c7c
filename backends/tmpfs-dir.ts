// A run's folder for servers' data dirs on tmpfs (/dev/shm) when the machine has one, else a folder inside
// the run's temp dir. tmpfs keeps what the faults need: a SIGKILLed server's written data stays in the
// page cache, exactly as on a disk, while a write+fsync costs memory bandwidth instead of a device flush
// (docs/adapters.md, "Data dirs on tmpfs"). It does NOT model a machine crash (power loss), and nothing in
// locksmith injects one. The folder is written to the run's ledger before it is created, so cleanup removes
// it even when the runner dies; it must never be created elsewhere than /dev/shm or the given fallback.

import { randomBytes } from "node:crypto";
import { accessSync, constants, mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Ledger } from "../nemesis/ledger.js";

/** The tmpfs mount used when it exists (Linux's shared-memory file system). */
export const TMPFS_ROOT = "/dev/shm";

export interface DataRoot {
  readonly path: string;
  readonly onTmpfs: boolean;
  /** Remove the folder (tmpfs only; a fallback folder belongs to the run's temp dir) and mark it removed. */
  remove(): void;
}

/** True when `root` is a directory this process can create folders in. */
export function usableTmpfs(root: string = TMPFS_ROOT): boolean {
  try {
    if (!statSync(root).isDirectory()) return false;
    accessSync(root, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * A fresh folder `locksmith-<runId>-<name>-<random>` under /dev/shm (ledgered), or `fallback` (created,
 * not ledgered: it lies inside the run's ledgered temp dir) when there is no usable /dev/shm or `tmpfs` is false.
 */
export function createDataRoot(opts: {
  ledger: Ledger;
  runId: string;
  name: string;
  fallback: string;
  tmpfs?: boolean;
  tmpfsRoot?: string;
}): DataRoot {
  const root = opts.tmpfsRoot ?? TMPFS_ROOT;
  if (opts.tmpfs === false || !usableTmpfs(root)) {
    mkdirSync(opts.fallback, { recursive: true });
    return { path: opts.fallback, onTmpfs: false, remove: () => {} };
  }
  const safe = `${opts.runId}-${opts.name}`.replace(/[^A-Za-z0-9_.-]/g, "_");
  const path = join(root, `locksmith-${safe}-${randomBytes(3).toString("hex")}`);
  const handle = opts.ledger.willCreate({ kind: "tempdir", path });
  mkdirSync(path, { mode: 0o700 });
  let removed = false;
  return {
    path,
    onTmpfs: true,
    remove: () => {
      if (removed) return;
      removed = true;
      rmSync(path, { recursive: true, force: true });
      opts.ledger.removed(handle);
    },
  };
}
