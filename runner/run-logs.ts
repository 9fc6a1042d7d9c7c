// Keeps a run's logs: copies every `*.log` under the run's temp dir (the servers' logs and the client
// workers' stderr) into `<out>/logs/`, keeping their relative paths, before the temp dir is removed. It
// must never copy data files (only `*.log`), never follow symlinks out of the dir, and never throw: a
// log that cannot be copied is reported, the run goes on.

import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";

/** Copies the logs; returns the paths written (relative to `toDir`) and the files it could not copy. */
export function collectLogs(fromDir: string, toDir: string): { copied: string[]; failed: string[] } {
  const copied: string[] = [];
  const failed: string[] = [];
  const walk = (dir: string) => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      failed.push(dir);
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.endsWith(".log")) {
        const rel = relative(fromDir, path);
        try {
          mkdirSync(dirname(join(toDir, rel)), { recursive: true });
          copyFileSync(path, join(toDir, rel));
          copied.push(rel);
        } catch {
          failed.push(path);
        }
      }
    }
  };
  walk(fromDir);
  return { copied: copied.sort(), failed };
}
