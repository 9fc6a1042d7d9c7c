// collectLogs (runner/run-logs.ts): every `*.log` under a run's temp dir is copied, with its relative path,
// and nothing else: no data files, no logs reached through a symlink out of the dir.

import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { collectLogs } from "../../runner/run-logs.js";

describe("collectLogs", () => {
  const dirs: string[] = [];
  const scratch = () => {
    const d = mkdtempSync(join(tmpdir(), "lsm-run-logs-"));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("copies the logs with their relative paths, and only the logs", () => {
    const from = scratch();
    const to = join(scratch(), "logs");
    mkdirSync(join(from, "etcd-1", "etcd1.data", "member"), { recursive: true });
    writeFileSync(join(from, "client-0.log"), "worker stderr\n");
    writeFileSync(join(from, "etcd-1", "etcd1.log"), "raft\n");
    writeFileSync(join(from, "etcd-1", "etcd1.data", "member", "wal"), "data");
    const outside = scratch();
    writeFileSync(join(outside, "secret.log"), "not ours\n");
    symlinkSync(outside, join(from, "link"));
    symlinkSync(join(outside, "secret.log"), join(from, "linked.log"));

    const { copied, failed } = collectLogs(from, to);
    expect(copied).toEqual(["client-0.log", join("etcd-1", "etcd1.log")]);
    expect(failed).toEqual([]);
    expect(readFileSync(join(to, "etcd-1", "etcd1.log"), "utf8")).toBe("raft\n");
    expect(readdirSync(to, { recursive: true }).map(String).sort()).toEqual(
      ["client-0.log", "etcd-1", join("etcd-1", "etcd1.log")].sort(),
    );
  });

  it("a missing dir copies nothing and says which dir it could not read", () => {
    const gone = join(scratch(), "gone");
    expect(collectLogs(gone, join(scratch(), "logs"))).toEqual({ copied: [], failed: [gone] });
  });
});
