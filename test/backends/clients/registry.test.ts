import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { builtinLockNames, isModuleSpec, resolveLock, UnknownLockError } from "../../../backends/registry.js";

const dir = mkdtempSync(join(tmpdir(), "locksmith-registry-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("lock registry", () => {
  it("knows the eight built-in clients, each with its topology", async () => {
    expect(builtinLockNames()).toEqual([
      "redis-single",
      "redis-replicated",
      "redlock",
      "etcd-cas",
      "etcd-lease",
      "etcd3-lock",
      "etcd-lock-rpc",
      "naive",
    ]);
    const topologies: Record<string, string> = {};
    for (const name of builtinLockNames()) {
      const def = await resolveLock(name);
      expect(def.name).toBe(name);
      topologies[name] = def.topology;
    }
    expect(topologies).toMatchObject({
      "redis-single": "redis-single",
      "redis-replicated": "redis-replicated",
      redlock: "redis-five",
      "etcd-cas": "etcd-cluster",
      "etcd-lock-rpc": "etcd-cluster",
      naive: "redis-single",
    });
  });

  it("rejects an unknown name with the list of known ones", async () => {
    await expect(resolveLock("zookeeper")).rejects.toThrow(
      /unknown lock "zookeeper": use one of redis-single/,
    );
  });

  it("loads a user module by path and checks its shape", async () => {
    const def = await resolveLock("test/runner/fixtures/scripted-lock.ts", process.cwd());
    expect(def.name).toBe("scripted");
    expect(isModuleSpec("./my-lock.js")).toBe(true);
    expect(isModuleSpec("etcd-cas")).toBe(false);

    const bad = join(dir, "bad-lock.mjs");
    writeFileSync(
      bad,
      'export default { name: "x", topology: "zookeeper", ownerReads: true, create() {} };\n',
    );
    await expect(resolveLock(bad)).rejects.toThrow(UnknownLockError);
    await expect(resolveLock(bad)).rejects.toThrow(/topology/);
    await expect(resolveLock(join(dir, "missing.mjs"))).rejects.toThrow(/cannot load the adapter module/);
  });
});
