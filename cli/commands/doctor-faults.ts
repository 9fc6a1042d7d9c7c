// `locksmith doctor --faults`: the fault checks group for the doctor command (cli/commands/doctor.ts lists
// it in CHECK_GROUPS). It provisions a scratch deployment (a 3-member etcd cluster, its peer links fronted
// by the nemesis's peer-link hook as in a `record --nemesis delay` run, and a Redis primary + replica, on the
// run's own hosts) with backends/, hands it to nemesis/doctor-faults.ts, which injects each
// fault once, observes it and heals it, and turns the results into doctor checks. A fault that works or is
// unsupported here passes; a supported fault that does not work fails the command.
// It must never leave the scratch deployment behind: everything is ledgered and torn down, also on Ctrl-C.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memberHealthy, memberStatus, startEtcdCluster } from "../../backends/etcd/server.js";
import { findBinary } from "../../backends/install.js";
import { startRedis } from "../../backends/redis/server.js";
import { teardownOnSignals, undoLive } from "../../nemesis/cleanup.js";
import type { DoctorCheck } from "../../nemesis/doctor.js";
import { type FaultProbeResult, probeFaults, type ScratchEtcd } from "../../nemesis/doctor-faults.js";
import { FAULT_NAMES } from "../../nemesis/faults.js";
import { HostNetwork } from "../../nemesis/hosts.js";
import { Ledger } from "../../nemesis/ledger.js";
import { peerLinkHook } from "../../nemesis/peer-links.js";

/** Provision the scratch deployment, probe every fault, tear everything down. */
export async function runFaultProbes(): Promise<FaultProbeResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "locksmith-doctor-faults-"));
  const ledger = new Ledger(`doctor-faults-${process.pid}-${Date.now()}`);
  const handle = ledger.willCreate({ kind: "tempdir", path: dir });
  let network: HostNetwork | undefined;
  /** What the peer-link hook made (its helpers and nat chains), undone before the ledger sweep. */
  const undoHooks: Array<() => Promise<void>> = [];
  const teardown = async () => {
    for (const undo of undoHooks.splice(0)) await undo().catch(() => {});
    await undoLive(ledger).catch(() => []);
    await network?.destroy().catch(() => {});
  };
  const release = teardownOnSignals(teardown);
  try {
    network = await HostNetwork.create({ runId: ledger.runId, ledger });
    const net = network;
    return await probeFaults({
      network: net,
      ledger,
      dir,
      async startEtcd(env) {
        const etcdPath = findBinary("etcd");
        if (!etcdPath) return "etcd is not installed (locksmith doctor says how)";
        // the peer links go through the nemesis's fronts, as in a `record --nemesis delay` run
        const hook = peerLinkHook(ledger, ["delay"]);
        const cluster = await startEtcdCluster({
          network: net,
          ledger,
          etcdPath,
          dir: join(dir, "etcd"),
          env,
          beforeStart:
            hook &&
            (async (members) => {
              const undo = await hook(net, members);
              if (undo) undoHooks.push(undo);
            }),
        });
        const knownIds = new Map<string, string>();
        const scratch: ScratchEtcd = {
          members: cluster.members,
          async leaderViews() {
            const statuses = await Promise.all(
              cluster.members.map((m) =>
                m.running ? memberStatus(m, 500).catch(() => undefined) : undefined,
              ),
            );
            statuses.forEach((s, i) => {
              if (s) knownIds.set(s.memberId, cluster.members[i].name);
            });
            const views = new Map<string, string>();
            statuses.forEach((s, i) => {
              const l = s && s.leader !== "0" ? (knownIds.get(s.leader) ?? `?${s.leader}`) : "";
              views.set(cluster.members[i].name, l);
            });
            return views;
          },
          healthy: (name) => memberHealthy(cluster.members.find((m) => m.name === name)!),
          async probeRequest(name, timeoutMs) {
            const m = cluster.members.find((x) => x.name === name)!;
            const res = await fetch(`${m.clientUrl}/health`, {
              signal: AbortSignal.timeout(timeoutMs),
              headers: { connection: "close" },
            });
            await res.text();
          },
          async put(name, key, value, timeoutMs) {
            const m = cluster.members.find((x) => x.name === name)!;
            const b64 = (x: string) => Buffer.from(x).toString("base64");
            const res = await fetch(`${m.clientUrl}/v3/kv/put`, {
              method: "POST",
              body: JSON.stringify({ key: b64(key), value: b64(value) }),
              signal: AbortSignal.timeout(timeoutMs),
            });
            await res.text();
            if (!res.ok) throw new Error(`put on ${name}: HTTP ${res.status}`);
          },
        };
        return scratch;
      },
      async startRedis(env) {
        const redisPath = findBinary("redis-server");
        if (!redisPath) return "redis-server is not installed (locksmith doctor says how)";
        const d = await startRedis({
          network: net,
          ledger,
          redisPath,
          dir: join(dir, "redis"),
          topology: "primary-replica",
          env,
        });
        return { primary: d.primary, replica: d.replica! };
      },
    });
  } finally {
    await teardown();
    rmSync(dir, { recursive: true, force: true });
    ledger.removed(handle);
    ledger.close();
    release();
  }
}

let probes: Promise<FaultProbeResult[]> | undefined;

/** One doctor check per fault; the first one to run provisions and probes for all of them. */
export function faultChecks(): DoctorCheck[] {
  probes = undefined;
  return FAULT_NAMES.map((fault) => ({
    id: `fault-${fault}`,
    title: `fault ${fault}`,
    // a supported fault that does not work must fail the command; an unsupported one is only reported
    requiredForDefault: true,
    async run() {
      probes ??= runFaultProbes();
      const r = (await probes).find((x) => x.fault === fault);
      if (!r) return { ok: false, detail: "not probed" };
      if (r.status === "works") return { ok: true, detail: `works: ${r.detail}` };
      if (r.status === "unsupported") return { ok: true, detail: `unsupported here: ${r.detail}` };
      return { ok: false, detail: `FAILED: ${r.detail}` };
    },
  }));
}

/** The group cli/commands/doctor.ts adds to CHECK_GROUPS. */
export const FAULTS_GROUP = {
  option: "--faults",
  description: "inject each fault once on a scratch cluster, check its effect, heal (takes ~30 s)",
  checks: faultChecks,
};
