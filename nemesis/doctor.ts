// What this machine supports, for `locksmith doctor` (DESIGN.md section 7): the check type every area's
// checks share, a runner for a list of them, and the host checks (root, network namespaces, iptables inside
// a namespace, tc netem, a C compiler for the clock shim). Other files add their own checks to the list
// (backends/doctor-checks.ts for binaries and Docker; the nemesis's fault checks); nothing here knows them.
// A check must never leave anything behind: the namespace probe is written to a ledger and removed.

import { existsSync, readFileSync, rmSync } from "node:fs";
import { findIp, namespacesPossible, run } from "./hosts.js";
import { Ledger } from "./ledger.js";

export interface CheckResult {
  ok: boolean;
  /** What was found (a version, a path, "works", or what went wrong). */
  detail: string;
  /** What to do when it is not ok. */
  fix?: string;
}

export interface DoctorCheck {
  /** Stable id for --json ("etcd", "netns", ...). */
  id: string;
  title: string;
  /** True when the default run (`locksmith record` with no fault flags) cannot work without it. */
  requiredForDefault: boolean;
  run(): Promise<CheckResult>;
}

export interface CheckOutcome extends CheckResult {
  id: string;
  title: string;
  requiredForDefault: boolean;
}

/** Run the checks one after another (some probe the kernel); a check that throws is reported as failed. */
export async function runChecks(checks: DoctorCheck[]): Promise<CheckOutcome[]> {
  const out: CheckOutcome[] = [];
  for (const c of checks) {
    let r: CheckResult;
    try {
      r = await c.run();
    } catch (err) {
      r = { ok: false, detail: `check crashed: ${(err as Error).message}` };
    }
    out.push({ id: c.id, title: c.title, requiredForDefault: c.requiredForDefault, ...r });
  }
  return out;
}

/** True when every check the default run needs passed. */
export function defaultRunReady(outcomes: CheckOutcome[]): boolean {
  return outcomes.every((o) => o.ok || !o.requiredForDefault);
}

/** A namespace made for the duration of `fn` (probes only), recorded in a ledger of its own. */
async function withProbeNamespace<T>(fn: (ns: string, ip: string) => Promise<T>): Promise<T> {
  const ip = findIp() as string;
  const runId = `doctor-${process.pid}-${Date.now()}`;
  const ledger = new Ledger(runId, process.env.LOCKSMITH_STATE_DIR ?? undefined);
  const ns = `ls-doctor-${process.pid}`;
  const handle = ledger.willCreate({ kind: "netns", name: ns });
  try {
    await run(ip, ["netns", "add", ns]);
    await run(ip, ["-n", ns, "link", "set", "lo", "up"]);
    return await fn(ns, ip);
  } finally {
    await run(ip, ["netns", "del", ns]).catch(() => {});
    ledger.removed(handle);
    ledger.close();
    if (ledger.outstanding().length === 0) rmSync(ledger.path, { force: true }); // a probe keeps no record
  }
}

const ROOT_FIX = "run locksmith as root (sudo) on Linux to get namespaced hosts and network faults";

/** The host checks: root, namespaces, iptables in a namespace, tc netem, cc. */
export function hostChecks(): DoctorCheck[] {
  return [
    {
      id: "root",
      title: "root on Linux",
      requiredForDefault: false,
      run: async () =>
        process.platform === "linux" && process.getuid?.() === 0
          ? { ok: true, detail: "yes" }
          : {
              ok: false,
              detail: `${process.platform}, uid ${process.getuid?.() ?? "?"}: hosts share loopback; partitions, loss and pauses of namespaced hosts are refused`,
              fix: ROOT_FIX,
            },
    },
    {
      id: "netns",
      title: "network namespaces (ip netns)",
      requiredForDefault: false,
      run: async () => {
        if (!namespacesPossible())
          return {
            ok: false,
            detail: findIp() ? "not root" : "ip (iproute2) not found",
            fix: findIp() ? ROOT_FIX : "apt-get install -y iproute2",
          };
        return withProbeNamespace(async (ns, ip) => {
          const lo = await run(ip, ["-n", ns, "-o", "link", "show", "lo"]);
          return lo.includes("UP")
            ? { ok: true, detail: "can create a namespace with loopback up" }
            : {
                ok: false,
                detail: "loopback did not come up in a new namespace",
                fix: "check kernel netns support",
              };
        });
      },
    },
    {
      id: "iptables",
      title: "iptables inside a namespace",
      requiredForDefault: false,
      run: async () => {
        if (!namespacesPossible()) return { ok: false, detail: "needs namespaces", fix: ROOT_FIX };
        const variants = ["/usr/sbin/iptables", "/usr/sbin/iptables-nft", "/usr/sbin/iptables-legacy"].filter(
          existsSync,
        );
        if (variants.length === 0)
          return { ok: false, detail: "iptables not found", fix: "apt-get install -y iptables" };
        return withProbeNamespace(async (ns, ip) => {
          const working: string[] = [];
          for (const v of variants) {
            const works = await run(ip, [
              "netns",
              "exec",
              ns,
              v,
              "-w",
              "-A",
              "INPUT",
              "-s",
              "10.255.255.254/32",
              "-j",
              "DROP",
            ])
              .then(() =>
                run(ip, ["netns", "exec", ns, v, "-w", "-m", "statistic", "--help"]).then(() => true),
              )
              .catch(() => false);
            if (works) working.push(v.replace("/usr/sbin/", ""));
          }
          const version = (await run(variants[0], ["--version"]).catch(() => "")).trim();
          return working.includes("iptables")
            ? { ok: true, detail: `${version}; works in a namespace: ${working.join(", ")}` }
            : {
                ok: false,
                detail: `${version}; iptables fails in a namespace (working: ${working.join(", ") || "none"})`,
                fix: "update-alternatives --set iptables /usr/sbin/iptables-legacy (or -nft), whichever works",
              };
        });
      },
    },
    {
      id: "bridge-forward",
      title: "forwarding between namespaced hosts",
      requiredForDefault: false,
      run: async () => {
        if (!namespacesPossible()) return { ok: false, detail: "needs namespaces", fix: ROOT_FIX };
        let callsIptables = "0";
        try {
          callsIptables = readFileSync("/proc/sys/net/bridge/bridge-nf-call-iptables", "utf8").trim();
        } catch {}
        if (callsIptables !== "1") return { ok: true, detail: "bridged traffic bypasses iptables" };
        const forward = await run("iptables", ["-w", "-S", "FORWARD"]).catch(() => "");
        return /^-P FORWARD DROP/m.test(forward)
          ? {
              ok: false,
              detail:
                "bridged traffic goes through iptables and the FORWARD policy is DROP (Docker sets this): hosts cannot reach each other",
              fix: "iptables -I FORWARD -i 'lsb+' -o 'lsb+' -j ACCEPT",
            }
          : { ok: true, detail: "bridged traffic goes through iptables; FORWARD accepts it" };
      },
    },
    {
      id: "netem",
      title: "tc netem (kernel delay)",
      requiredForDefault: false,
      run: async () => {
        if (!namespacesPossible()) return { ok: false, detail: "needs namespaces", fix: ROOT_FIX };
        const tc = ["/usr/sbin/tc", "/sbin/tc"].find(existsSync);
        if (!tc)
          return {
            ok: false,
            detail: "tc not found",
            fix: "apt-get install -y iproute2 (delays then use the TCP proxy)",
          };
        return withProbeNamespace(async (ns, ip) => {
          const works = await run(ip, [
            "netns",
            "exec",
            ns,
            tc,
            "qdisc",
            "add",
            "dev",
            "lo",
            "root",
            "netem",
            "delay",
            "1ms",
          ])
            .then(() => true)
            .catch(() => false);
          return works
            ? { ok: true, detail: "netem available" }
            : {
                ok: false,
                detail: "netem is not in this kernel; delays use locksmith's own TCP proxy instead",
                fix: "nothing needed (modprobe sch_netem where the kernel has it)",
              };
        });
      },
    },
    {
      id: "cc",
      title: "C compiler for the clock shim",
      requiredForDefault: false,
      run: async () => {
        const version = await run("cc", ["--version"]).catch(() => undefined);
        return version
          ? { ok: true, detail: version.split("\n")[0] }
          : {
              ok: false,
              detail: "cc not found: clock faults are refused",
              fix: "apt-get install -y gcc libc6-dev",
            };
      },
    },
  ];
}
