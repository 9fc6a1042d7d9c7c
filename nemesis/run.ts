// The nemesis of one `locksmith record` run, in the shape the runner needs: built from `--nemesis` and
// `--nemesis-interval`, prepared before the servers start (their environment), attached once servers and
// client hosts exist, then run beside the clients: faults on Jepsen's interval schedule from the run's
// seed, each start and stop written to the history as a `nemesis` op, and, `quietMs` before the clients
// stop, the final heal of everything. `dispose()` belongs in the run's teardown.
// It must never write a nemesis op except through the recorder callback, and never leave a fault active
// after `done` resolves.

import { type FaultName, type FaultOptions, parseFaultList } from "./faults.js";
import type { MidSectionGate } from "./holder-pause.js";
import type { Host, HostNetwork } from "./hosts.js";
import type { Ledger } from "./ledger.js";
import { applicable, packagesFor } from "./package.js";
import { NemesisRuntime } from "./runtime.js";
import { type DriverSummary, intervalPlan, NemesisDriver, type NemesisEvent } from "./schedule.js";
import {
  type ClientTarget,
  type NemesisTopology,
  parseSelector,
  type ServerTarget,
  type TargetSelector,
} from "./targets.js";

/** A recorder that writes one op: the runner's Recorder.invoke/complete fit behind this. */
export interface NemesisOpSink {
  invoke(f: string, value: unknown): unknown;
  complete(handle: unknown, type: "ok" | "info" | "fail", value: unknown, error?: unknown): void;
}

export interface RunNemesisOptions {
  /**
   * `--nemesis`: "kill,pause,..." or "all" (parsed here; errors name the bad fault). A fault may name its
   * target: "clock@primary", "pause@leader", "kill@etcd2" (a role or a server/client name).
   */
  faults: string | readonly FaultName[];
  /** `--nemesis-interval` in seconds (default 5). */
  intervalS?: number;
  /** Knobs of the faults (e.g. clockDirection: "forward"). */
  options?: Partial<FaultOptions>;
  /** Quiet period after the final heal, before the clients stop (default: one interval, at most 5 s). */
  quietS?: number;
}

/** A small seeded generator (mulberry32) so the schedule replays from the run's seed. */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class RunNemesis {
  private driver?: NemesisDriver;
  private abort = new AbortController();
  private running?: Promise<DriverSummary>;
  private readonly whyNot = new Map<FaultName, string>();
  /** Targets named with fault@target. */
  readonly targets = new Map<FaultName, TargetSelector>();
  readonly faults: FaultName[];
  readonly intervalMs: number;
  readonly quietMs: number;

  private constructor(
    readonly runtime: NemesisRuntime,
    faults: FaultName[],
    opts: RunNemesisOptions,
  ) {
    this.faults = faults;
    this.intervalMs = Math.round((opts.intervalS ?? 5) * 1000);
    this.quietMs = Math.round((opts.quietS ?? Math.min(opts.intervalS ?? 5, 5)) * 1000);
  }

  /** Before provisioning. Throws a plain Error naming unknown faults. */
  static async prepare(ledger: Ledger, opts: RunNemesisOptions): Promise<RunNemesis> {
    const { faults, targets } = RunNemesis.parse(opts);
    const runtime = await NemesisRuntime.prepare({ ledger, faults, options: opts.options });
    const rn = new RunNemesis(runtime, faults, opts);
    for (const [f, t] of targets) rn.targets.set(f, t);
    return rn;
  }

  /**
   * The faults and their targets named by `opts`, checked without touching the machine (so bad input is
   * refused before anything starts). Throws a plain Error naming what is wrong.
   */
  static parse(opts: RunNemesisOptions): { faults: FaultName[]; targets: Map<FaultName, TargetSelector> } {
    const targets = new Map<FaultName, TargetSelector>();
    let faults: FaultName[];
    if (typeof opts.faults === "string") {
      const plain: string[] = [];
      for (const part of opts.faults.split(",").map((p) => p.trim())) {
        const at = part.indexOf("@");
        if (at < 0) {
          plain.push(part);
          continue;
        }
        const [fault] = parseFaultList(part.slice(0, at));
        if (!part.slice(at + 1)) throw new Error(`"${part}": no target after @`);
        targets.set(fault, parseSelector(part.slice(at + 1)));
        plain.push(fault);
      }
      faults = parseFaultList(plain.join(","));
    } else faults = [...opts.faults];
    if (!(opts.intervalS === undefined || opts.intervalS > 0))
      throw new Error("--nemesis-interval must be > 0");
    return { faults, targets };
  }

  /** Environment for every server process. */
  serverEnv(): Record<string, string> {
    return this.runtime.serverEnv();
  }

  /** Environment for a client worker on `host`. */
  clientEnv(host: Host): Record<string, string> {
    return this.runtime.clientEnv(host);
  }

  /** Once servers are up and client hosts exist, before clients connect. */
  async attach(
    network: HostNetwork,
    run: {
      system: NemesisTopology["system"];
      servers: readonly ServerTarget[];
      clients: readonly ClientTarget[];
      clientHosts: readonly Host[];
      leader?: () => Promise<string | undefined>;
      holder?: (key?: string) => string | undefined;
      holdings?: NemesisTopology["holdings"];
      nextAcquire?: NemesisTopology["nextAcquire"];
      midSection?: MidSectionGate;
    },
  ): Promise<Map<string, string>> {
    return this.runtime.attach(
      network,
      {
        system: run.system,
        servers: run.servers,
        clients: run.clients,
        leader: run.leader,
        holder: run.holder,
        holdings: run.holdings,
        nextAcquire: run.nextAcquire,
        midSection: run.midSection,
      },
      run.clientHosts,
    );
  }

  /**
   * Starts the schedule beside the clients; resolves (with the summary) after the final heal, `quietMs`
   * before `durationMs` ends. Every start and stop goes to `sink` as a nemesis op.
   */
  start(seed: number, durationMs: number, sink: NemesisOpSink): Promise<DriverSummary> {
    let open: unknown;
    const record = (e: NemesisEvent) => {
      if (e.type === "invoke") open = sink.invoke(e.f, e.value ?? null);
      else sink.complete(open, e.type, e.value ?? null, e.error);
    };
    const rng = seededRng(seed);
    const driver = new NemesisDriver(
      packagesFor(this.faults),
      { ...this.runtime.context(rng), signal: this.abort.signal },
      record,
    );
    this.driver = driver;
    const runnable = driver.runnable();
    const ctx = this.runtime.context(rng);
    for (const f of applicable(packagesFor(this.faults), ctx).skipped) this.whyNot.set(f[0], f[1]);
    const planMs = Math.max(0, durationMs - this.quietMs);
    const plan = intervalPlan(runnable, { intervalMs: this.intervalMs, durationMs: planMs, rng }).map(
      (step) => (this.targets.has(step.fault) ? { ...step, target: this.targets.get(step.fault) } : step),
    );
    this.running = (async () => {
      await driver.run(plan, this.abort.signal);
      return driver.finish(0);
    })();
    return this.running;
  }

  /** Faults that were asked for but cannot run in this run, with why (after `start`). */
  unsupported(): Array<{ fault: FaultName; why: string }> {
    if (!this.driver) return [];
    const runnable = new Set(this.driver.runnable());
    return this.faults
      .filter((f) => !runnable.has(f))
      .map((fault) => ({ fault, why: this.whyNot.get(fault) ?? "unsupported" }));
  }

  /** Whether a fault of this run may pause a client process (the runner then gives clients more grace). */
  pausesClients(): boolean {
    if (this.faults.includes("client-pause")) return true;
    return [...this.targets.values()].some((t) => t === "holder" || t === "client" || typeof t === "object");
  }

  /** Whether `client-pause` runs through the runner's mid-section gate (it does unless it names a target). */
  usesMidSectionGate(): boolean {
    return this.faults.includes("client-pause") && !this.targets.has("client-pause");
  }

  /** Cuts the schedule short (Ctrl-C, a client crash) and heals; safe when never started. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running?.catch(() => undefined);
  }

  /** Removes everything (after `stop()`); belongs in the run's teardown. */
  async dispose(): Promise<void> {
    await this.stop();
    await this.runtime.dispose();
  }
}
