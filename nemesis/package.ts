// Fault packages, as in Jepsen's combined nemesis: a package is {faults, schedule, final heal}; packages
// compose into one. `packagesFor(["kill","partition"])` gives one package per fault name; `composePackages`
// joins them: the union of their faults, a schedule that draws from all of them, and a final heal that runs
// every package's heal. The runner builds the context with nemesis/runtime.ts and drives the composed
// package with nemesis/schedule.ts.
// It must never act by itself: packages only describe; the driver acts.

import { FAULTS, type Fault, type FaultName, type NemesisContext } from "./faults.js";

export interface FaultPackage {
  name: string;
  faults: Fault[];
  /** Relative weight of each fault when a schedule draws the next one (default 1 each). */
  weights?: Partial<Record<FaultName, number>>;
  /** Undo everything this package's faults may have left (runs once at the end, after the active faults stop). */
  finalHeal(ctx: NemesisContext): Promise<string[]>;
}

/** The final heal of each kind of fault: idempotent, safe to run when nothing is wrong. Returns what it did. */
const HEALS: Record<FaultName, (ctx: NemesisContext) => Promise<string[]>> = {
  async kill(ctx) {
    const done: string[] = [];
    for (const s of ctx.topology.servers) {
      if (!s.running) {
        await s.restart({ healthTimeoutMs: ctx.options.restartTimeoutMs });
        done.push(`restarted ${s.name}`);
      }
    }
    return done;
  },
  async pause(ctx) {
    const pids = ctx.pauser.pausedPids();
    ctx.pauser.resumeAll();
    return pids.map((p) => `resumed pid ${p}`);
  },
  async "client-pause"(ctx) {
    return HEALS.pause(ctx);
  },
  async partition(ctx) {
    if (!ctx.partitioner) return [];
    await ctx.partitioner.heal();
    return ["flushed the run's packet filter"];
  },
  async loss(ctx) {
    return HEALS.partition(ctx);
  },
  async delay(ctx) {
    if (!ctx.delay) return [];
    await ctx.delay.heal();
    return ["removed every delay"];
  },
  async clock(ctx) {
    if (!ctx.clock) return [];
    const skewed = ctx.clock.skewed();
    ctx.clock.resetAll();
    return skewed.map((h) => `reset the clock of ${h}`);
  },
  async failover(ctx) {
    const done = [...(await HEALS.partition(ctx)), ...(await HEALS.kill(ctx))];
    if (ctx.failover) {
      await ctx.failover.rejoin();
      done.push(`${ctx.failover.replica.name} follows ${ctx.failover.primary.name}`);
    }
    return done;
  },
};

/** The package of one fault. */
export function faultPackage(name: FaultName): FaultPackage {
  return { name, faults: [FAULTS[name]], finalHeal: HEALS[name] };
}

/** One package that does what all of `packages` do. */
export function composePackages(packages: readonly FaultPackage[]): FaultPackage {
  const faults: Fault[] = [];
  const weights: Partial<Record<FaultName, number>> = {};
  for (const p of packages) {
    for (const f of p.faults) {
      if (!faults.includes(f)) faults.push(f);
      weights[f.name] = (weights[f.name] ?? 0) + (p.weights?.[f.name] ?? 1);
    }
  }
  return {
    name: packages.map((p) => p.name).join("+") || "none",
    faults,
    weights,
    async finalHeal(ctx) {
      const done: string[] = [];
      for (const p of packages) done.push(...(await p.finalHeal(ctx)));
      return [...new Set(done)];
    },
  };
}

/** The composed package for a list of fault names (as `--nemesis` gives them). */
export function packagesFor(names: readonly FaultName[]): FaultPackage {
  return composePackages(names.map(faultPackage));
}

/** Faults of the package that can run in this context, and the reasons the others cannot. */
export function applicable(
  pkg: FaultPackage,
  ctx: NemesisContext,
): { ok: Fault[]; skipped: Map<FaultName, string> } {
  const ok: Fault[] = [];
  const skipped = new Map<FaultName, string>();
  for (const f of pkg.faults) {
    const why = f.unsupported(ctx);
    if (why) skipped.set(f.name, why);
    else ok.push(f);
  }
  return { ok, skipped };
}
