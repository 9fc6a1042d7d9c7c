// When faults start and stop, and the driver that does it while recording every start and stop as a
// `nemesis` op. A plan is a list of {atMs, fault, holdMs} from the run's seed (intervalPlan is Jepsen's
// default: start, hold for the interval, stop, rest for the interval); generators may build plans of their
// own. The driver ends with `finish()`: stop what is active, the final heal of every package, a quiet period.
// It must never leave a fault active after `finish()` returns, and never record a start without its stop.

import type { ActiveFault, FaultName, NemesisContext } from "./faults.js";
import type { Rng } from "./grudge.js";
import { applicable, type FaultPackage } from "./package.js";
import type { TargetSelector } from "./targets.js";

export interface PlannedFault {
  /** When to start, in ms after the driver starts. */
  atMs: number;
  fault: FaultName;
  /** How long to hold it before the stop. */
  holdMs: number;
  target?: TargetSelector;
}

/** One nemesis event for the history (the runner adds index, time and `process: "nemesis"`). */
export interface NemesisEvent {
  type: "invoke" | "ok" | "info" | "fail";
  f: string;
  value?: unknown;
  error?: string;
}

export type NemesisRecorder = (event: NemesisEvent) => void;

/**
 * Jepsen's interval schedule: every `intervalMs`, alternately start a fault (drawn by weight from `faults`)
 * and stop it. Faults run one at a time; the plan covers `durationMs`.
 */
export function intervalPlan(
  faults: readonly FaultName[],
  opts: { intervalMs: number; durationMs: number; rng: Rng; weights?: Partial<Record<FaultName, number>> },
): PlannedFault[] {
  if (faults.length === 0 || !(opts.intervalMs > 0)) return [];
  const weight = (f: FaultName) => opts.weights?.[f] ?? 1;
  const total = faults.reduce((s, f) => s + weight(f), 0);
  const plan: PlannedFault[] = [];
  for (let at = opts.intervalMs; at + opts.intervalMs <= opts.durationMs; at += 2 * opts.intervalMs) {
    let r = opts.rng() * total;
    let chosen = faults[faults.length - 1];
    for (const f of faults) {
      r -= weight(f);
      if (r < 0) {
        chosen = f;
        break;
      }
    }
    plan.push({ atMs: at, fault: chosen, holdMs: opts.intervalMs });
  }
  return plan;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

export interface DriverSummary {
  started: number;
  stopped: number;
  skipped: Array<{ fault: FaultName; why: string }>;
  healed: string[];
}

export class NemesisDriver {
  private readonly active = new Set<ActiveFault>();
  private readonly summary: DriverSummary = { started: 0, stopped: 0, skipped: [], healed: [] };

  constructor(
    private readonly pkg: FaultPackage,
    private readonly ctx: NemesisContext,
    private readonly record: NemesisRecorder,
  ) {}

  /** Faults of the package this run can do (the rest are reported in the summary when the plan names them). */
  runnable(): FaultName[] {
    return applicable(this.pkg, this.ctx).ok.map((f) => f.name);
  }

  /** Runs the plan until it ends or `signal` aborts; faults still active are left for `finish()`. */
  async run(plan: readonly PlannedFault[], signal?: AbortSignal): Promise<void> {
    const t0 = Date.now();
    for (const step of plan) {
      if (signal?.aborted) return;
      await sleep(step.atMs - (Date.now() - t0), signal);
      if (signal?.aborted) return;
      const active = await this.start(step.fault, step.target);
      if (!active) continue;
      await sleep(step.holdMs, signal);
      if (signal?.aborted) return;
      await this.stop(active);
    }
  }

  /** Starts one fault now, recording it; undefined when it cannot run or has no target. */
  async start(name: FaultName, target?: TargetSelector): Promise<ActiveFault | undefined> {
    const fault = this.pkg.faults.find((f) => f.name === name);
    const why = fault ? fault.unsupported(this.ctx) : `not in package ${this.pkg.name}`;
    if (!fault || why) {
      this.summary.skipped.push({ fault: name, why: why ?? "unknown" });
      return undefined;
    }
    this.record({ type: "invoke", f: name, value: target ? { target } : undefined });
    try {
      const active = await fault.start(this.ctx, target);
      this.active.add(active);
      this.summary.started++;
      this.record({ type: "ok", f: name, value: { ...active.value, op: active.f } });
      return active;
    } catch (err) {
      // a fault that may have partly happened is `info`; the final heal undoes whatever it left
      this.record({ type: "info", f: name, error: (err as Error).message });
      return undefined;
    }
  }

  /** Stops one active fault, recording it. */
  async stop(active: ActiveFault): Promise<void> {
    if (!this.active.delete(active)) return;
    this.record({ type: "invoke", f: active.stopF, value: { fault: active.fault } });
    try {
      const value = await active.stop();
      this.summary.stopped++;
      this.record({ type: "ok", f: active.stopF, value: { fault: active.fault, ...value } });
    } catch (err) {
      this.record({ type: "info", f: active.stopF, error: (err as Error).message });
    }
  }

  /** Stops every active fault, runs the final heal of every package, then waits `quietMs`. */
  async finish(quietMs = 0): Promise<DriverSummary> {
    for (const a of [...this.active]) await this.stop(a);
    this.record({ type: "invoke", f: "heal-all", value: { package: this.pkg.name } });
    try {
      this.summary.healed = await this.pkg.finalHeal(this.ctx);
      this.record({ type: "ok", f: "heal-all", value: { package: this.pkg.name, did: this.summary.healed } });
    } catch (err) {
      this.record({ type: "info", f: "heal-all", error: (err as Error).message });
      throw err;
    }
    await sleep(quietMs);
    return { ...this.summary, skipped: [...this.summary.skipped] };
  }
}
