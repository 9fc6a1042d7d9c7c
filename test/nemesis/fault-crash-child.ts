// A runner that is meant to die in the middle of a fault: it provisions a Redis primary + replica with the
// clock shim (through the project's code and the nemesis runtime, all in the ledger), a client process on
// its own host, then injects the fault named by its argument (partition, clock, pause, delay, or all) and
// prints what it made as one JSON line. test/nemesis/fault-crash.test.ts then SIGKILLs it (or sends SIGINT,
// with "signals") and checks that cleanup leaves nothing.
// Usage: node --import tsx test/nemesis/fault-crash-child.ts STATE_DIR TEMP_ROOT FAULT [signals]

import { LocalProvisioner } from "../../backends/provisioner.js";
import { teardownOnSignals, undoLive } from "../../nemesis/cleanup.js";
import { isolate } from "../../nemesis/grudge.js";
import { newRunId } from "../../nemesis/hosts.js";
import { Ledger } from "../../nemesis/ledger.js";
import { spawnOnHost } from "../../nemesis/processes.js";
import { NemesisRuntime } from "../../nemesis/runtime.js";

const [stateDir, tempRoot, fault, mode] = process.argv.slice(2);
const runId = `t-crash-${newRunId()}`;
const ledger = new Ledger(runId, stateDir);
const nem = await NemesisRuntime.prepare({ ledger, faults: ["clock", "delay", "partition", "pause"] });
const prov = await LocalProvisioner.create({
  runId,
  ledger,
  noInstall: true,
  tempRoot,
  serverEnv: nem.serverEnv(),
});
const redis = await prov.start({ kind: "redis-primary-replica" });
const client = await prov.network.addHost("c1");
const [primary, replica] = redis.redis!.nodes;
await nem.attach(prov.network, { system: "redis-replicated", servers: redis.redis!.nodes, clients: [] }, [
  client,
]);
const worker = await spawnOnHost(client, [process.execPath, "-e", "setInterval(() => {}, 1000)"], {
  ledger,
  name: "client c1",
  env: nem.clientEnv(client),
});
const made: Record<string, unknown> = {
  runId,
  netns: prov.network.hosts.map((h) => h.netns),
  bridge: prov.network.bridge,
  pids: [primary.pid, replica.pid, worker.pid],
  chain: nem.filter?.chain,
  tempDirs: [prov.dir],
  primary: { address: primary.address, port: primary.port },
};
if (fault === "partition" || fault === "all") {
  const g = isolate([primary.host.name, replica.host.name, client.name], primary.host.name);
  await nem.partitioner!.partition(g);
}
if (fault === "clock" || fault === "all") {
  nem.clock!.jump(primary.host, 3_600_000);
  nem.clock!.jump(client, -3_600_000);
  made.offsetFiles = ledger
    .outstanding()
    .map((o) => o.resource)
    .filter((r) => r.kind === "file")
    .map((r) => (r as { path: string }).path);
}
if (fault === "pause" || fault === "all") {
  nem.pauser.pause(worker.pid);
  nem.pauser.pause(replica.pid!);
  await nem.pauser.waitStopped(worker.pid);
  await nem.pauser.waitStopped(replica.pid!);
  made.paused = [worker.pid, replica.pid];
}
if (fault === "delay" || fault === "all") {
  await nem
    .context(Math.random)
    .delay!.delay({ name: primary.name, host: primary.host, port: primary.port }, { latencyMs: 500 });
}
if (mode === "signals") {
  teardownOnSignals(async () => {
    await nem.dispose();
    await undoLive(ledger);
    await prov.stop();
    ledger.close();
  });
}
process.stdout.write(`${JSON.stringify(made)}\n`);
setInterval(() => {}, 60_000);
