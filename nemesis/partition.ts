// Applies partition grudges and packet loss to the run's hosts through the packet filter, and heals them.
// It must never leave a rule it added after `heal()` returns.

import type { Grudge } from "./grudge.js";
import type { Host } from "./hosts.js";
import type { PacketFilter } from "./iptables.js";

export class Partitioner {
  constructor(
    private readonly filter: PacketFilter,
    private readonly hosts: () => readonly Host[],
  ) {}

  private host(name: string): Host {
    const h = this.hosts().find((x) => x.name === name);
    if (!h) throw new Error(`unknown host ${name}`);
    return h;
  }

  /** Installs the grudge: each host drops packets from the hosts it holds a grudge against. */
  async partition(grudge: Grudge): Promise<void> {
    for (const [name, from] of grudge) {
      if (from.size === 0) continue;
      await this.filter.add(
        this.host(name),
        [...from].map((f) => ({ from: this.host(f).address })),
      );
    }
  }

  /** Removes exactly the rules of one grudge (other partitions and loss stay). */
  async unpartition(grudge: Grudge): Promise<void> {
    for (const [name, from] of grudge) {
      if (from.size === 0) continue;
      await this.filter.remove(
        this.host(name),
        [...from].map((f) => ({ from: this.host(f).address })),
      );
    }
  }

  /** Removes the loss rules `loss(names, probability)` added. */
  async unloss(names: readonly string[], probability: number): Promise<void> {
    for (const n of names) await this.filter.remove(this.host(n), [{ probability }]);
  }

  /** Drops a random share `probability` of the packets each named host receives. */
  async loss(names: readonly string[], probability: number): Promise<void> {
    if (!(probability > 0 && probability <= 1))
      throw new Error(`loss probability must be in (0, 1], got ${probability}`);
    for (const n of names) await this.filter.add(this.host(n), [{ probability }]);
  }

  /** Removes every partition and loss rule of the run. */
  heal(): Promise<void> {
    return this.filter.heal();
  }
}
