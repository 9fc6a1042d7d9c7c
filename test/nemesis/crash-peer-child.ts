// A runner that is meant to die while the links between etcd members are delayed: it provisions a 3-member
// etcd cluster whose peer links go through the nemesis's helpers (the provisioner's beforeClusterStart hook,
// nemesis/peer-links.ts), turns a 300 ms delay on the leader's links, and prints what it made as one JSON
// line. test/nemesis/crash-peer-live.test.ts then SIGKILLs it (or sends SIGINT, with "signals") and checks
// that nothing is left. Usage: node --import tsx test/nemesis/crash-peer-child.ts STATE_DIR TEMP_ROOT [signals]

import { LocalProvisioner } from "../../backends/provisioner.js";
import { teardownOnSignals, undoLive } from "../../nemesis/cleanup.js";
import { newRunId } from "../../nemesis/hosts.js";
import { Ledger } from "../../nemesis/ledger.js";
import { PeerLinks, peerLinkHook } from "../../nemesis/peer-links.js";
import { NemesisRuntime } from "../../nemesis/runtime.js";

const [stateDir, tempRoot, mode] = process.argv.slice(2);
const runId = `t-crash-peer-${newRunId()}`;
const ledger = new Ledger(runId, stateDir);
const nem = await NemesisRuntime.prepare({ ledger, faults: ["delay"] });
const prov = await LocalProvisioner.create({
  runId,
  ledger,
  noInstall: true,
  tempRoot,
  beforeClusterStart: peerLinkHook(ledger, "delay"),
});
const etcd = await prov.start({ kind: "etcd" });
await nem.attach(prov.network, { system: "etcd", servers: etcd.servers, clients: [] }, []);
const leader = (await etcd.etcd!.leader())!;
await nem
  .context(Math.random)
  .delay!.delay({ name: leader.name, host: leader.host, port: leader.port }, { latencyMs: 300 });
const links = PeerLinks.forRun(runId)!;
if (mode === "signals") {
  teardownOnSignals(async () => {
    await nem.dispose();
    await undoLive(ledger);
    await prov.stop();
    ledger.close();
  });
}
const made = {
  runId,
  netns: prov.network.hosts.map((h) => h.netns),
  bridge: prov.network.bridge,
  pids: etcd.servers.map((s) => s.pid),
  helpers: links.pids(),
  chain: links.chain,
  tempDirs: [prov.dir],
  leader: leader.name,
  leaderUrl: leader.clientUrl,
};
process.stdout.write(`${JSON.stringify(made)}\n`);
