// A runner that is meant to die: it provisions etcd and one Redis node through the project's code, starts a
// client process and pauses it, adds an iptables chain in a namespace (all through the ledger), prints what
// it made as one JSON line, then waits to be SIGKILLed by test/nemesis/cleanup.test.ts. With a third
// argument "signals" it installs the Ctrl-C/SIGTERM teardown instead (test/nemesis/cleanup-signal.test.ts).
// Usage: node --import tsx test/nemesis/cleanup-child.ts STATE_DIR TEMP_ROOT [signals]

import { LocalProvisioner } from "../../backends/provisioner.js";
import { teardownOnSignals, undoLive } from "../../nemesis/cleanup.js";
import { newRunId, run } from "../../nemesis/hosts.js";
import { Ledger } from "../../nemesis/ledger.js";
import { spawnOnHost } from "../../nemesis/processes.js";

const [stateDir, tempRoot, mode] = process.argv.slice(2);
const runId = `t-child-${newRunId()}`;
const ledger = new Ledger(runId, stateDir);
const prov = await LocalProvisioner.create({ runId, ledger, noInstall: true, tempRoot });
const etcd = await prov.start({ kind: "etcd" });
const redis = await prov.start({ kind: "redis-single" });
const client = await prov.network.addHost("c1");
const worker = await spawnOnHost(client, [process.execPath, "-e", "setInterval(() => {}, 1000)"], {
  ledger,
  name: "client c1",
});
ledger.willCreate({ kind: "paused", pid: worker.pid, startTicks: worker.startTicks });
process.kill(worker.pid, "SIGSTOP");
let chain: string | undefined;
if (client.netns) {
  chain = "LSM-CHILD";
  ledger.willCreate({ kind: "iptables-chain", netns: client.netns, chain });
  await run("ip", ["netns", "exec", client.netns, "iptables", "-w", "-N", chain]);
  ledger.willCreate({ kind: "iptables-rule", netns: client.netns, args: ["INPUT", "-j", chain] });
  await run("ip", ["netns", "exec", client.netns, "iptables", "-w", "-I", "INPUT", "1", "-j", chain]);
}
if (mode === "signals") {
  teardownOnSignals(async () => {
    await undoLive(ledger); // what the runner tracks itself would go first; the ledger catches the rest
    await prov.stop();
    ledger.close();
  });
}
process.stdout.write(
  `${JSON.stringify({
    runId,
    mode: prov.network.mode,
    pids: [...etcd.servers, ...redis.servers].map((s) => s.pid).concat(worker.pid),
    tempDir: prov.dir,
    netns: prov.network.hosts.map((h) => h.netns).filter(Boolean),
    bridge: prov.network.bridge,
    chain,
  })}\n`,
);
setInterval(() => {}, 60_000);
