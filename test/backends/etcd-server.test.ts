// Live: a 3-member etcd cluster started through the project's provisioning answers etcdctl, has a leader,
// survives the leader's SIGKILL (a new leader, then the old member restarts on its data dir and catches up),
// keeps its data dirs on tmpfs where /dev/shm is usable, and stops leaving no process, namespace or temp dir
// of the run (the tmpfs folder included).

import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EtcdMember, goMaxProcs, memberHealthy } from "../../backends/etcd/server.js";
import { findBinary } from "../../backends/install.js";
import { type Deployment, LocalProvisioner } from "../../backends/provisioner.js";
import { TMPFS_ROOT, usableTmpfs } from "../../backends/tmpfs-dir.js";
import { run, runNames } from "../../nemesis/hosts.js";
import { Ledger } from "../../nemesis/ledger.js";
import { readProcState, waitUntil } from "../../nemesis/processes.js";

function etcdctl(endpoints: string[], args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      findBinary("etcdctl") as string,
      [`--endpoints=${endpoints.join(",")}`, "--command-timeout=3s", "--dial-timeout=2s", ...args],
      { env: { ...process.env, ETCDCTL_API: "3" }, timeout: 10_000 },
      (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout)),
    );
  });
}

const alive = (pid: number) => {
  const s = readProcState(pid);
  return s !== undefined && s !== "Z";
};

describe("GOMAXPROCS of the members", () => {
  it("shares the cores among the members, at least 1 each", () => {
    if (process.env.GOMAXPROCS) {
      expect(goMaxProcs(3, 2)).toEqual({});
      return;
    }
    expect(goMaxProcs(3, 2)).toEqual({ GOMAXPROCS: "1" });
    expect(goMaxProcs(3, 8)).toEqual({ GOMAXPROCS: "2" });
    expect(goMaxProcs(1, 4)).toEqual({ GOMAXPROCS: "4" });
    expect(goMaxProcs(5, 1)).toEqual({ GOMAXPROCS: "1" });
  });
});

describe.skipIf(!findBinary("etcd") || !findBinary("etcdctl"))("etcd cluster (live)", () => {
  const dir = mkdtempSync(join(tmpdir(), "lsm-etcd-"));
  const ledger = new Ledger(`t-etcd-${process.pid}-${Date.now()}`, dir);
  let prov: LocalProvisioner;
  let dep: Deployment;
  let startMs = 0;

  beforeAll(async () => {
    const t0 = performance.now();
    prov = await LocalProvisioner.create({ runId: ledger.runId, ledger, noInstall: true, tempRoot: dir });
    dep = await prov.start({ kind: "etcd" });
    startMs = performance.now() - t0;
    console.log(`etcd: 3 members healthy in ${startMs.toFixed(0)} ms (${prov.network.mode} hosts)`);
  }, 60_000);
  afterAll(async () => {
    await prov?.stop();
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("starts 3 members on their own hosts and answers etcdctl", async () => {
    expect(dep.servers).toHaveLength(3);
    expect(new Set(dep.endpoints).size).toBe(3);
    for (const e of dep.endpoints) expect(e).not.toMatch(/:(2379|2380)$/);
    if (prov.network.mode === "netns") expect(new Set(dep.servers.map((s) => s.address)).size).toBe(3);
    await etcdctl(dep.endpoints, ["put", "k1", "v1"]);
    expect((await etcdctl([dep.endpoints[2]], ["get", "k1", "--print-value-only"])).trim()).toBe("v1");
    const health = JSON.parse(await etcdctl(dep.endpoints, ["endpoint", "health", "-w", "json"])) as Array<{
      health: boolean;
    }>;
    expect(health.map((h) => h.health)).toEqual([true, true, true]);
    expect(startMs).toBeLessThan(10_000);
  });

  it("starts the members one at a time: each serves its peer port before the next one starts", () => {
    // by each member's own log: the first line of member i comes after member i-1's "serving peer traffic"
    // (started together, members wait out each other's 1 s bootstrap checks)
    const times = dep.etcd!.members.map((m) => {
      const lines = readFileSync(m.logFile, "utf8").split("\n").filter(Boolean);
      const at = (line: string | undefined) =>
        Date.parse((JSON.parse(line ?? "{}") as { ts?: string }).ts ?? "");
      return {
        first: at(lines[0]),
        serving: at(lines.find((l) => l.includes('"msg":"serving peer traffic"'))),
      };
    });
    for (const t of times) expect(t.serving).toBeGreaterThanOrEqual(t.first);
    for (let i = 1; i < times.length; i++)
      expect(times[i].first).toBeGreaterThanOrEqual(times[i - 1].serving);
  });

  it("keeps the data dirs on tmpfs when /dev/shm is usable, one per member, written to the ledger; GOMAXPROCS set", () => {
    const root = dep.etcd!.dataRoot!;
    expect(root.onTmpfs).toBe(usableTmpfs());
    for (const m of dep.etcd!.members) {
      const environ = readFileSync(`/proc/${m.pid}/environ`, "utf8").split("\0");
      const expected = goMaxProcs(3).GOMAXPROCS ?? process.env.GOMAXPROCS;
      expect(environ).toContain(`GOMAXPROCS=${expected}`);
      expect(m.dataDir.startsWith(`${root.path}/`)).toBe(true);
      expect(existsSync(join(m.dataDir, "member", "wal"))).toBe(true);
    }
    if (root.onTmpfs) {
      expect(root.path.startsWith(`${TMPFS_ROOT}/`)).toBe(true);
      expect(ledger.outstanding().map((o) => o.resource)).toContainEqual({
        kind: "tempdir",
        path: root.path,
      });
    }
  });

  it("kill the leader: another is elected; restart on the same data dir catches up", async () => {
    const cluster = dep.etcd!;
    const old = (await cluster.leader()) as EtcdMember;
    expect(old).toBeDefined();
    const pid = old.pid as number;
    await old.kill();
    expect(old.running).toBe(false);
    expect(old.pid).toBeUndefined();
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(old.dataDir, "member", "wal"))).toBe(true); // a SIGKILL leaves the data dir
    let fresh: EtcdMember | undefined;
    await waitUntil(
      async () => {
        fresh = await cluster.leader(500);
        return fresh !== undefined && fresh !== old;
      },
      5_000,
      "a new leader",
    );
    const others = dep.endpoints.filter((e) => e !== old.endpoint);
    await etcdctl(others, ["put", "k2", "written-while-down"]);
    await old.restart();
    expect(old.running).toBe(true);
    expect(old.pid).not.toBe(pid);
    expect(await memberHealthy(old)).toBe(true);
    await waitUntil(
      async () =>
        (
          await etcdctl([old.endpoint], ["get", "k2", "--print-value-only", "--consistency=s"]).catch(
            () => "",
          )
        ).trim() === "written-while-down",
      5_000,
      "the restarted member to catch up",
    );
  });

  it("stop leaves no member process, namespace, bridge or temp dir", async () => {
    const pids = dep.servers.map((s) => s.pid as number);
    const tag = runNames(ledger.runId).tag;
    const dataRoot = dep.etcd!.dataRoot!.path;
    await prov.stop();
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(existsSync(prov.dir)).toBe(false);
    expect(existsSync(dataRoot)).toBe(false);
    expect(await run("ip", ["netns", "list"]).catch(() => "")).not.toContain(tag);
    expect(await run("ip", ["-o", "link", "show"]).catch(() => "")).not.toContain(tag);
    expect(ledger.outstanding()).toEqual([]);
  });
});
