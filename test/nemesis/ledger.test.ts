// The run ledger: what is written is what is read back after a crash, including amendments (process pids
// learnt after spawning), removals, a torn last line, and cleanup's own appended lines.

import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  Ledger,
  markClosedInFile,
  markRemovedInFile,
  readLedger,
  readLedgers,
} from "../../nemesis/ledger.js";

const dirs: string[] = [];
function stateDir(): string {
  const d = mkdtempSync(join(tmpdir(), "lsm-ledger-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("ledger", () => {
  it("reads back what is outstanding, newest first, with amendments applied", () => {
    const dir = stateDir();
    const l = new Ledger("run-a", dir);
    const ns = l.willCreate({ kind: "netns", name: "ls-x-h0" });
    const proc = l.willCreate({ kind: "process", pid: 0, name: "etcd1", tag: "t1" });
    l.amend(proc, { kind: "process", pid: 4242, name: "etcd1", tag: "t1", startTicks: 99 });
    const tmp = l.willCreate({ kind: "tempdir", path: "/tmp/locksmith-run-a" });
    l.removed(tmp);
    const back = readLedger(l.path);
    expect(back.runId).toBe("run-a");
    expect(back.pid).toBe(process.pid);
    expect(back.pidStartTicks).toBeTypeOf("number");
    expect(back.closed).toBe(false);
    expect(back.outstanding.map((o) => o.handle)).toEqual([proc, ns]);
    expect(back.outstanding[0].resource).toMatchObject({ pid: 4242, startTicks: 99 });
    expect(l.outstanding().map((o) => o.handle)).toEqual([proc, ns]);
  });

  it("ignores a torn last line and lets cleanup append removals and a close", () => {
    const dir = stateDir();
    const l = new Ledger("run-b", dir);
    const a = l.willCreate({ kind: "bridge", name: "lsbabc" });
    l.willCreate({ kind: "veth", name: "lsvabc00" });
    appendFileSync(l.path, '{"seq":99,"op":"cre');
    const orphan = readLedger(l.path);
    expect(orphan.outstanding).toHaveLength(2);
    markRemovedInFile(orphan, a);
    expect(readLedger(l.path).outstanding.map((o) => o.resource.kind)).toEqual(["veth"]);
    markClosedInFile(orphan);
    expect(readLedger(l.path).closed).toBe(true);
    expect(readFileSync(l.path, "utf8").split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(5);
    expect(readLedgers(dir).map((x) => x.runId)).toEqual(["run-b"]);
  });

  it("amend of an unknown or removed handle writes nothing", () => {
    const l = new Ledger("run-c", stateDir());
    const h = l.willCreate({ kind: "file", path: "/tmp/x/y" });
    l.removed(h);
    const before = readFileSync(l.path, "utf8");
    l.amend(h, { kind: "file", path: "/tmp/x/z" });
    expect(readFileSync(l.path, "utf8")).toBe(before);
  });
});
