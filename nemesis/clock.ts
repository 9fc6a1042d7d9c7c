// Clock faults (DESIGN.md section 7): per-host offset files read by the LD_PRELOAD clock shim. A process
// started with the shim in its environment sees its wall clock (and, optionally, its monotonic clock)
// shifted by whatever its host's file says: jump forward/back, strobe, reset.
// Two ways to give a process the shim: `envFor(host)` names the host's file explicitly; `sharedEnv()` names
// the folder only, and the shim picks the file of the network namespace the process runs in (one
// environment for every server of a deployment, each host still with its own clock).
// It must never create an offset file before the ledger knows of it, and a reset must always bring the
// offset back to exactly 0. A missing file also means offset 0 (that is how cleanup heals a crashed run).

import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildClockShim } from "./clock-shim/build.js";
import type { Host } from "./hosts.js";
import type { Ledger } from "./ledger.js";

export interface ClockState {
  offsetNs: bigint;
  strobe?: { deltaNs: bigint; periodNs: bigint };
}

/** A host as the clock needs it: a name, and its namespace if it has one. */
export type ClockHost = Pick<Host, "name" | "netns">;

/** Writes an offset file atomically (write + rename), so the shim reads either the old or the new value. */
export function writeOffsetFile(file: string, state: ClockState): void {
  const text = state.strobe
    ? `${state.offsetNs} ${state.strobe.deltaNs} ${state.strobe.periodNs}\n`
    : `${state.offsetNs}\n`;
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** The file the shim reads for a namespaced host when given LOCKSMITH_CLOCK_DIR=dir. */
export function namespaceOffsetFile(dir: string, netns: string): string {
  const inode = statSync(`/run/netns/${netns}`).ino;
  return join(dir, `net-${inode}.offset`);
}

export class ClockControl {
  private readonly files = new Map<string, { path: string; handle: number; state: ClockState }>();

  private constructor(
    private readonly ledger: Ledger,
    readonly dir: string,
    readonly shimPath: string,
  ) {}

  /** Builds (or finds in the cache) the shim; offset files go in `dir` (a folder of the run). */
  static async create(ledger: Ledger, dir: string): Promise<ClockControl> {
    mkdirSync(dir, { recursive: true });
    return new ClockControl(ledger, dir, await buildClockShim());
  }

  /** Environment for a process on `host`: the shim and the host's own offset file. */
  envFor(host: ClockHost, shiftMonotonic = false): Record<string, string> {
    const env: Record<string, string> = {
      LD_PRELOAD: this.shimPath,
      LOCKSMITH_CLOCK_FILE: this.fileFor(host),
    };
    if (shiftMonotonic) env.LOCKSMITH_CLOCK_MONOTONIC = "1";
    return env;
  }

  /** Environment for processes on any namespaced host: each reads the offset file of its namespace. */
  sharedEnv(shiftMonotonic = false): Record<string, string> {
    const env: Record<string, string> = { LD_PRELOAD: this.shimPath, LOCKSMITH_CLOCK_DIR: this.dir };
    if (shiftMonotonic) env.LOCKSMITH_CLOCK_MONOTONIC = "1";
    return env;
  }

  state(host: ClockHost): ClockState {
    return this.files.get(host.name)?.state ?? { offsetNs: 0n };
  }

  /** Names of hosts whose clock is off now. */
  skewed(): string[] {
    return [...this.files].filter(([, f]) => f.state.offsetNs !== 0n || f.state.strobe).map(([n]) => n);
  }

  /** Shifts the host's clock by `deltaMs` more (negative: back); stops a strobe. */
  jump(host: ClockHost, deltaMs: number): ClockState {
    return this.set(host, { offsetNs: this.state(host).offsetNs + BigInt(Math.round(deltaMs * 1e6)) });
  }

  /** Makes the host's clock alternate between its offset and offset + deltaMs every periodMs. */
  strobe(host: ClockHost, deltaMs: number, periodMs: number): ClockState {
    if (!(periodMs > 0)) throw new Error(`strobe period must be > 0 ms, got ${periodMs}`);
    return this.set(host, {
      offsetNs: this.state(host).offsetNs,
      strobe: { deltaNs: BigInt(Math.round(deltaMs * 1e6)), periodNs: BigInt(Math.round(periodMs * 1e6)) },
    });
  }

  /** Back to the true time. */
  reset(host: ClockHost): void {
    const f = this.files.get(host.name);
    if (f) {
      writeOffsetFile(f.path, { offsetNs: 0n });
      f.state = { offsetNs: 0n };
    }
  }

  resetAll(): void {
    for (const [, f] of this.files) {
      writeOffsetFile(f.path, { offsetNs: 0n });
      f.state = { offsetNs: 0n };
    }
  }

  /** Resets every clock and removes the offset files (processes still running read offset 0). */
  dispose(): void {
    for (const [name, f] of this.files) {
      writeOffsetFile(f.path, { offsetNs: 0n });
      rmSync(f.path, { force: true });
      rmSync(`${f.path}.tmp`, { force: true });
      this.ledger.removed(f.handle);
      this.files.delete(name);
    }
  }

  private set(host: ClockHost, state: ClockState): ClockState {
    const path = this.fileFor(host);
    writeOffsetFile(path, state);
    this.files.get(host.name)!.state = state;
    return state;
  }

  private fileFor(host: ClockHost): string {
    const known = this.files.get(host.name);
    if (known) return known.path;
    if (!/^[A-Za-z0-9_.-]+$/.test(host.name))
      throw new Error(`bad host name for a clock file: ${JSON.stringify(host.name)}`);
    const path = host.netns
      ? namespaceOffsetFile(this.dir, host.netns)
      : join(this.dir, `clock-${host.name}.offset`);
    const handle = this.ledger.willCreate({ kind: "file", path });
    writeOffsetFile(path, { offsetNs: 0n });
    this.files.set(host.name, { path, handle, state: { offsetNs: 0n } });
    return path;
  }
}
