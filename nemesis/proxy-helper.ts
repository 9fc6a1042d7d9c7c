// A proxy helper as the runner sees it: a small Node program (nemesis/peer-proxy-main.ts) started inside one
// host's namespace, holding pass-through DelayProxies that listen on that host's own address and dial out
// from it, driven over its IPC channel (nemesis/peer-proxy-protocol.ts). Used for the links between etcd
// members (nemesis/peer-links.ts) and for the links from client hosts to servers (nemesis/client-links.ts):
// because the helper dials from the host's own address, partition and loss rules match its traffic as they
// would the host's own. This module starts a helper (in the ledger, like every process) and asks it things.
// It must never send a request without a deadline, nor keep a helper alive past `stop()`.

import type { Host } from "./hosts.js";
import type { Ledger } from "./ledger.js";
import { type FromPeerProxy, peerProxyArgv, type ToPeerProxy } from "./peer-proxy-protocol.js";
import type { HostProcess } from "./processes.js";
import { spawnOnHost } from "./processes.js";

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A request to a helper, without its sequence number (added by `ask`). */
export type HelperRequest = DistributiveOmit<ToPeerProxy, "seq">;

export class ProxyHelper {
  private seq = 0;
  private readonly waiting = new Map<number, (m: FromPeerProxy) => void>();

  private constructor(
    /** Who the helper works for (for messages): "etcd1", "client c1"... */
    readonly label: string,
    readonly host: Host,
    readonly proc: HostProcess,
  ) {
    proc.child.on("message", (raw) => {
      const m = raw as FromPeerProxy;
      const w = this.waiting.get(m.seq);
      this.waiting.delete(m.seq);
      w?.(m);
    });
    void proc.exited.then((info) => {
      for (const w of this.waiting.values())
        w({
          seq: -1,
          type: "error",
          message: `proxy helper of ${label} exited (${info.code ?? info.signal})`,
        });
      this.waiting.clear();
    });
  }

  /** Starts a helper on `host` (written to the ledger before it is spawned). */
  static async start(ledger: Ledger, host: Host, label: string, name: string): Promise<ProxyHelper> {
    const proc = await spawnOnHost(host, peerProxyArgv(), { ledger, name, ipc: true });
    return new ProxyHelper(label, host, proc);
  }

  get pid(): number {
    return this.proc.pid;
  }

  /** Sends one request and waits for its answer (an error answer, or no answer in time, throws). */
  async ask(msg: HelperRequest, timeoutMs = 10_000): Promise<FromPeerProxy> {
    if (!this.proc.running) throw new Error(`proxy helper of ${this.label} is not running`);
    const seq = ++this.seq;
    let timer: NodeJS.Timeout | undefined;
    const answer = await new Promise<FromPeerProxy>((resolve) => {
      this.waiting.set(seq, resolve);
      timer = setTimeout(
        () =>
          resolve({
            seq,
            type: "error",
            message: `proxy helper of ${this.label}: no answer in ${timeoutMs} ms`,
          }),
        timeoutMs,
      );
      this.proc.child.send({ ...msg, seq } as ToPeerProxy);
    });
    clearTimeout(timer);
    this.waiting.delete(seq);
    if (answer.type === "error") throw new Error(answer.message);
    return answer;
  }

  /** Ends the helper (its proxies close their connections). */
  stop(graceMs = 2_000): Promise<unknown> {
    return this.proc.stop(graceMs);
  }
}
