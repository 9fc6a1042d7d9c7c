// Packet filtering inside the run's network namespaces (DESIGN.md section 7): one chain of the run's own per
// namespace, jumped to from INPUT, holding the DROP rules of partitions and packet loss; and the nat chains
// (jumped to from OUTPUT) that hold the delay fronts' DNAT rules. Healing flushes the
// run's chains, so it removes exactly the run's rules and nothing else; dispose removes the jumps and chains.
// The chain and its jump are written to the ledger before they are created.
// It must never touch a chain it did not create, run iptables through a shell, or act on a host without a
// namespace (loopback hosts cannot be partitioned; callers get a clear error).

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { findIp, type Host, runTag } from "./hosts.js";
import type { Ledger } from "./ledger.js";

export function findIptables(): string | undefined {
  for (const p of ["/usr/sbin/iptables", "/sbin/iptables", "/usr/bin/iptables"]) if (existsSync(p)) return p;
  return undefined;
}

/** Run iptables in a namespace (argument array, `-w` to wait for the xtables lock). */
export function iptablesIn(netns: string, args: string[]): Promise<string> {
  const ip = findIp();
  const ipt = findIptables();
  if (!ip || !ipt)
    return Promise.reject(new Error("iptables and ip (iproute2) are needed for network faults"));
  return new Promise((resolve, reject) => {
    execFile(ip, ["netns", "exec", netns, ipt, "-w", ...args], { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err)
        reject(new Error(`iptables ${args.join(" ")} in ${netns}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}

/** The name of the run's chain (iptables limits chain names to 28 characters). */
export function chainName(runId: string): string {
  return `LSM-${runTag(runId)}`;
}

/** A rule inside a host's chain: drop packets from an address, or a random share of all incoming packets. */
export type DropRule = { from: string } | { probability: number };

export class PacketFilter {
  readonly chain: string;
  private readonly installed = new Map<string, { chainHandle: number; jumpHandle: number }>();
  /** Rules currently in each namespace's chain, as a canonical string per rule (for `rules()`). */
  private readonly current = new Map<string, string[]>();

  constructor(
    private readonly ledger: Ledger,
    runId: string,
  ) {
    this.chain = chainName(runId);
  }

  /** Adds DROP rules to the host's chain (creating the chain and its jump from INPUT the first time). */
  async add(host: Host, rules: DropRule[]): Promise<void> {
    const ns = requireNetns(host);
    await this.ensureChain(ns);
    for (const rule of rules) {
      await iptablesIn(ns, ["-A", this.chain, ...ruleArgs(rule)]);
      const list = this.current.get(ns) ?? [];
      list.push(describeRule(rule));
      this.current.set(ns, list);
    }
  }

  /** Removes rules added by `add` (one instance each), leaving the chain's other rules in place. */
  async remove(host: Host, rules: DropRule[]): Promise<void> {
    const ns = requireNetns(host);
    if (!this.installed.has(ns)) return;
    for (const rule of rules) {
      await iptablesIn(ns, ["-D", this.chain, ...ruleArgs(rule)]).catch(() => {});
      const list = this.current.get(ns) ?? [];
      const i = list.indexOf(describeRule(rule));
      if (i >= 0) list.splice(i, 1);
    }
  }

  /** What the run's rules are now, per namespace (for evidence and tests). */
  rules(): Map<string, string[]> {
    return new Map([...this.current].filter(([, l]) => l.length > 0));
  }

  /** Removes every rule of the run (flushes its chains); chains and jumps stay for the next fault. */
  async heal(): Promise<void> {
    for (const ns of this.installed.keys()) {
      await iptablesIn(ns, ["-F", this.chain]);
      this.current.set(ns, []);
    }
  }

  /** Removes the run's rules, jumps and chains from every namespace it touched. */
  async dispose(): Promise<void> {
    for (const [ns, h] of this.installed) {
      await iptablesIn(ns, ["-D", "INPUT", "-j", this.chain]).catch(() => {});
      this.ledger.removed(h.jumpHandle);
      await iptablesIn(ns, ["-F", this.chain]).catch(() => {});
      await iptablesIn(ns, ["-X", this.chain]).catch(() => {});
      this.ledger.removed(h.chainHandle);
      this.installed.delete(ns);
      this.current.delete(ns);
    }
  }

  private async ensureChain(ns: string): Promise<void> {
    if (this.installed.has(ns)) return;
    const chainHandle = this.ledger.willCreate({ kind: "iptables-chain", netns: ns, chain: this.chain });
    await iptablesIn(ns, ["-N", this.chain]);
    const jumpHandle = this.ledger.willCreate({
      kind: "iptables-rule",
      netns: ns,
      args: ["INPUT", "-j", this.chain],
    });
    await iptablesIn(ns, ["-I", "INPUT", "1", "-j", this.chain]);
    this.installed.set(ns, { chainHandle, jumpHandle });
  }
}

function ruleArgs(rule: DropRule): string[] {
  if ("from" in rule) return ["-s", `${rule.from}/32`, "-j", "DROP"];
  const p = String(rule.probability);
  return ["!", "-i", "lo", "-m", "statistic", "--mode", "random", "--probability", p, "-j", "DROP"];
}

function describeRule(rule: DropRule): string {
  return "from" in rule ? `drop from ${rule.from}` : `drop p=${rule.probability}`;
}

function requireNetns(host: Host): string {
  if (!host.netns) {
    throw new Error(
      `host ${host.name} has no network namespace: partitions and packet loss need namespaced hosts (root on Linux)`,
    );
  }
  return host.netns;
}

/**
 * One nat chain of the run per namespace, jumped to first from OUTPUT (the delay fronts' DNAT rules): each
 * step written to the ledger before it is made, and all of it removed by `dispose` (jump, rules, chain).
 * Rules may be added between `create` and `jump`, so a chain goes live only once it is complete.
 */
export class NatOutputChains {
  private readonly made = new Map<string, { chain: number; jump: number }>();

  private readonly table = "nat";
  private readonly from = "OUTPUT";

  constructor(
    private readonly ledger: Ledger,
    readonly chain: string,
  ) {}

  /** Creates the (empty) chain in `ns`. */
  async create(ns: string): Promise<void> {
    const chain = this.ledger.willCreate({
      kind: "iptables-chain",
      netns: ns,
      table: this.table,
      chain: this.chain,
    });
    this.made.set(ns, { chain, jump: -1 });
    await iptablesIn(ns, ["-t", this.table, "-N", this.chain]);
  }

  /** Puts the jump to the chain first in `from`, in `ns` (after `create`). */
  async jump(ns: string): Promise<void> {
    const made = this.made.get(ns);
    if (!made) throw new Error(`${this.chain} was not created in ${ns}`);
    made.jump = this.ledger.willCreate({
      kind: "iptables-rule",
      netns: ns,
      table: this.table,
      args: [this.from, "-j", this.chain],
    });
    await iptablesIn(ns, ["-t", this.table, "-I", this.from, "1", "-j", this.chain]);
  }

  /** Removes every jump and chain made (safe twice; errors of a gone namespace are ignored). */
  async dispose(): Promise<void> {
    for (const [ns, h] of this.made) {
      if (h.jump >= 0) {
        await iptablesIn(ns, ["-t", this.table, "-D", this.from, "-j", this.chain]).catch(() => {});
        this.ledger.removed(h.jump);
      }
      await iptablesIn(ns, ["-t", this.table, "-F", this.chain]).catch(() => {});
      await iptablesIn(ns, ["-t", this.table, "-X", this.chain]).catch(() => {});
      this.ledger.removed(h.chain);
    }
    this.made.clear();
  }
}
