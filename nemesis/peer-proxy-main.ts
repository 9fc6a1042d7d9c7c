// A proxy helper: a small Node program the runner starts inside one host's namespace (through
// nemesis/processes.ts): an etcd member's, before the member starts (its routes go to the other members' peer
// ports), or a client host's, before the clients connect (its routes go to the servers' client ports). Each
// route listens on this host's address and forwards through a DelayProxy; the run's DNAT rules in this
// namespace send the host's own connections here. Its upstream connections leave from this host's own address, so every
// partition and loss rule of the run sees the same addresses as without it. Once listening it drops to uid
// PEER_PROXY_UID, by which the DNAT rules leave its own connections alone.
// It is driven only over its IPC channel (nemesis/peer-proxy-protocol.ts) and exits when that channel
// closes, so it never outlives the runner. It must never listen on any address but the one it is given.

import { type FromPeerProxy, PEER_PROXY_UID, type ToPeerProxy } from "./peer-proxy-protocol.js";
import { DelayProxy } from "./proxy.js";

const proxies = new Map<string, DelayProxy>();

function reply(msg: FromPeerProxy): void {
  process.send?.(msg);
}

async function handle(msg: ToPeerProxy): Promise<FromPeerProxy> {
  switch (msg.type) {
    case "open": {
      const ports: Record<string, number> = {};
      for (const r of msg.routes) {
        if (proxies.has(r.to)) throw new Error(`route to ${r.to} is already open`);
        const p = await DelayProxy.start({ listen: { address: msg.listen }, target: r });
        proxies.set(r.to, p);
        ports[r.to] = p.port;
      }
      // nothing left that needs root: the DNAT rules skip this uid's connections
      if (process.getuid?.() === 0) {
        process.setgid?.(PEER_PROXY_UID);
        process.setuid?.(PEER_PROXY_UID);
      }
      return { seq: msg.seq, type: "opened", ports };
    }
    case "set": {
      const p = proxies.get(msg.to);
      if (!p) throw new Error(`no route to ${msg.to}`);
      p.set(msg.faults);
      return { seq: msg.seq, type: "done" };
    }
    case "retarget": {
      const p = proxies.get(msg.to);
      if (!p) throw new Error(`no route to ${msg.to}`);
      return {
        seq: msg.seq,
        type: "retargeted",
        reset: p.retarget({ address: msg.address, port: msg.port }),
      };
    }
    case "stats": {
      const stats: Record<string, { connections: number; open: number; resets: number }> = {};
      for (const [to, p] of proxies) stats[to] = p.stats();
      return { seq: msg.seq, type: "stats", stats };
    }
  }
}

async function shutdown(): Promise<void> {
  await Promise.all([...proxies.values()].map((p) => p.close()));
  process.exit(0);
}

if (!process.send) {
  process.stderr.write("peer-proxy-main: must be started with an IPC channel (by nemesis/peer-links.ts)\n");
  process.exit(2);
}
process.on("message", (raw) => {
  const msg = raw as ToPeerProxy;
  handle(msg).then(reply, (err: Error) => reply({ seq: msg.seq, type: "error", message: err.message }));
});
process.on("disconnect", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
