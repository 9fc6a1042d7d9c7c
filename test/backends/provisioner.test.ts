// The Provisioner interface: the local implementation on loopback hosts (the non-root path) starts every
// topology, its endpoints answer, its handles carry host, pid and address:port and can restart a server;
// stop leaves no process or temp dir. The testcontainers implementation fails fast and clearly without a
// Docker engine (it cannot run on these machines).

import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memberHealthy } from "../../backends/etcd/server.js";
import { findBinary } from "../../backends/install.js";
import { LocalProvisioner, type Topology } from "../../backends/provisioner.js";
import { respCommand } from "../../backends/redis/server.js";
import { TestcontainersProvisioner } from "../../backends/testcontainers.js";
import { Ledger } from "../../nemesis/ledger.js";
import { readProcState } from "../../nemesis/processes.js";

const alive = (pid: number) => {
  const s = readProcState(pid);
  return s !== undefined && s !== "Z";
};

describe.skipIf(!findBinary("etcd") || !findBinary("redis-server"))(
  "LocalProvisioner on loopback hosts",
  () => {
    const dir = mkdtempSync(join(tmpdir(), "lsm-prov-"));
    const ledger = new Ledger(`t-prov-${process.pid}-${Date.now()}`, dir);
    let prov: LocalProvisioner;
    const pids: number[] = [];

    beforeAll(async () => {
      prov = await LocalProvisioner.create({
        runId: ledger.runId,
        ledger,
        hostMode: "loopback",
        noInstall: true,
        tempRoot: dir,
      });
    });
    afterAll(async () => {
      await prov?.stop();
      ledger.close();
      rmSync(dir, { recursive: true, force: true });
    }, 60_000);

    const topologies: Array<[Topology, number]> = [
      [{ kind: "etcd" }, 3],
      [{ kind: "redis-single" }, 1],
      [{ kind: "redis-primary-replica" }, 2],
      [{ kind: "redis-independent" }, 5],
    ];
    it.each(topologies)("%o starts %i servers that answer", async (topology, n) => {
      const t0 = performance.now();
      const dep = await prov.start(topology);
      const ms = performance.now() - t0;
      console.log(`${topology.kind}: ${n} server(s) ready in ${ms.toFixed(0)} ms (loopback)`);
      expect(dep.servers).toHaveLength(n);
      expect(dep.endpoints).toEqual(dep.servers.map((s) => `${s.address}:${s.port}`));
      for (const s of dep.servers) {
        expect(s.host.address).toBe("127.0.0.1");
        expect(s.running).toBe(true);
        expect(alive(s.pid as number)).toBe(true);
        pids.push(s.pid as number);
        if (topology.kind === "etcd") {
          const res = await fetch(`http://${s.endpoint}/health`, { signal: AbortSignal.timeout(2_000) });
          expect(((await res.json()) as { health: string }).health).toBe("true");
        } else {
          expect(await respCommand(s.address, s.port, ["PING"], 2_000)).toBe("PONG");
        }
      }
    });

    it("a handle restarts its server (a new pid on the same endpoint)", async () => {
      const dep = await prov.start({ kind: "etcd" });
      const member = dep.servers[1];
      const before = member.pid as number;
      await member.kill();
      expect(member.running).toBe(false);
      await member.restart();
      expect(member.pid).not.toBe(before);
      expect(await memberHealthy(dep.etcd!.members[1])).toBe(true);
      pids.push(...dep.servers.map((s) => s.pid as number));
    });

    it("stop leaves no process and no temp dir", async () => {
      await prov.stop();
      for (const pid of pids) expect(alive(pid)).toBe(false);
      expect(existsSync(prov.dir)).toBe(false);
      expect(ledger.outstanding()).toEqual([]);
      await expect(prov.start({ kind: "redis-single" })).rejects.toThrow(/stopped/);
    });
  },
);

const dockerEngine = await new Promise<boolean>((resolve) => {
  const docker = findBinary("docker");
  if (!docker) return resolve(false);
  execFile(docker, ["version", "--format", "{{.Server.Version}}"], { timeout: 5_000 }, (err) =>
    resolve(!err),
  );
});

describe.skipIf(dockerEngine)("TestcontainersProvisioner without Docker", () => {
  it("fails with a clear message instead of hanging", async () => {
    const p = new TestcontainersProvisioner();
    expect(p.kind).toBe("testcontainers");
    await expect(p.start({ kind: "redis-single" })).rejects.toThrow(/no Docker engine answers/);
    await p.stop();
  }, 60_000);
});
