// Live: Redis topologies started through the project's provisioning: one node answers SET/GET and survives
// kill + restart; a replica receives the primary's writes and can be promoted; 5 independent nodes are 5
// separate servers; stopping leaves no process, namespace or temp dir of the run.

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findBinary } from "../../backends/install.js";
import { LocalProvisioner } from "../../backends/provisioner.js";
import { respCommand } from "../../backends/redis/server.js";
import { run, runNames } from "../../nemesis/hosts.js";
import { Ledger } from "../../nemesis/ledger.js";
import { readProcState, waitUntil } from "../../nemesis/processes.js";

const alive = (pid: number) => {
  const s = readProcState(pid);
  return s !== undefined && s !== "Z";
};
const cmd = (endpoint: string, args: string[]) => {
  const [address, port] = endpoint.split(":");
  return respCommand(address, Number(port), args, 2_000);
};

describe.skipIf(!findBinary("redis-server"))("redis topologies (live)", () => {
  const dir = mkdtempSync(join(tmpdir(), "lsm-redis-"));
  const ledger = new Ledger(`t-redis-${process.pid}-${Date.now()}`, dir);
  let prov: LocalProvisioner;
  const pids: number[] = [];

  beforeAll(async () => {
    prov = await LocalProvisioner.create({ runId: ledger.runId, ledger, noInstall: true, tempRoot: dir });
  });
  afterAll(async () => {
    await prov?.stop();
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("one node: SET/GET; kill loses the data (no persistence); restart answers again", async () => {
    const dep = await prov.start({ kind: "redis-single" });
    const node = dep.redis!.primary;
    pids.push(node.pid as number);
    expect(dep.endpoints).toHaveLength(1);
    expect(dep.endpoints[0]).not.toMatch(/:6379$/);
    expect(await cmd(dep.endpoints[0], ["SET", "k", "v", "PX", "60000"])).toBe("OK");
    expect(await cmd(dep.endpoints[0], ["GET", "k"])).toBe("v");
    const pid = node.pid as number;
    await node.kill();
    expect(alive(pid)).toBe(false);
    await expect(cmd(dep.endpoints[0], ["PING"])).rejects.toThrow();
    await node.restart();
    pids.push(node.pid as number);
    expect(await cmd(dep.endpoints[0], ["GET", "k"])).toBeNull();
  });

  it("primary + replica: the replica's link is up, it gets writes, and can be promoted", async () => {
    const dep = await prov.start({ kind: "redis-primary-replica" });
    const { primary, replica } = dep.redis!;
    pids.push(...dep.servers.map((s) => s.pid as number));
    expect((await replica!.replicationInfo()).master_link_status).toBe("up");
    expect((await primary.replicationInfo()).connected_slaves).toBe("1");
    await cmd(primary.endpoint, ["SET", "lock", "owner-1"]);
    await waitUntil(
      async () => (await cmd(replica!.endpoint, ["GET", "lock"])) === "owner-1",
      3_000,
      "replication",
    );
    await expect(cmd(replica!.endpoint, ["SET", "x", "1"])).rejects.toThrow(/READONLY/);
    await replica!.promote();
    expect((await replica!.replicationInfo()).role).toBe("master");
    expect(await cmd(replica!.endpoint, ["SET", "x", "1"])).toBe("OK");
  });

  it("5 independent nodes: separate servers, each a primary", async () => {
    const dep = await prov.start({ kind: "redis-independent" });
    pids.push(...dep.servers.map((s) => s.pid as number));
    expect(new Set(dep.endpoints).size).toBe(5);
    expect(new Set(dep.servers.map((s) => s.pid)).size).toBe(5);
    await cmd(dep.endpoints[0], ["SET", "only-on-1", "x"]);
    for (const [i, e] of dep.endpoints.entries()) {
      expect(await cmd(e, ["ROLE"])).toEqual(expect.arrayContaining(["master"]));
      expect(await cmd(e, ["GET", "only-on-1"])).toBe(i === 0 ? "x" : null);
    }
  });

  it("stop leaves no server process, namespace, bridge or temp dir", async () => {
    const tag = runNames(ledger.runId).tag;
    await prov.stop();
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(existsSync(prov.dir)).toBe(false);
    expect(await run("ip", ["netns", "list"]).catch(() => "")).not.toContain(tag);
    expect(await run("ip", ["-o", "link", "show"]).catch(() => "")).not.toContain(tag);
    expect(ledger.outstanding()).toEqual([]);
  });
});
