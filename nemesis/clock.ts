// Clock faults (DESIGN.md section 7): per-host offset files read by the LD_PRELOAD clock shim. A process
// started with `clock.envFor(host)` in its environment sees its wall clock (and, optionally, its monotonic
// clock) shifted by whatever the host's file says: jump forward/back, strobe, reset.
// It must never create an offset file before the ledger knows of it, and a reset must always bring the
// offset back to exactly 0. Removing the file also means offset 0 (that is how cleanup heals a crashed run).

import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildClockShim } from "./clock-shim/build.js";
import type { Ledger } from "./ledger.js";

export interface ClockState {
  offsetNs: bigint;
  strobe?: { deltaNs: bigint; periodNs: bigint };
}

/** The environment a process needs to have its clock controlled through `file`. */
export function clockShimEnv(shimPath: string, file: string, shiftMonotonic = false): Record<string, string> {
  const env: Record<string, string> = { LD_PRELOAD: shimPath, LOCKSMITH_CLOCK_FILE: file };
  if (shiftMonotonic) env.LOCKSMITH_CLOCK_MONOTONIC = "1";
  return env;
}

/** Writes an offset file atomically (write + rename), so the shim reads either the old or the new value. */
export function writeOffsetFile(file: string, state: ClockState): void {
  const text = state.strobe
    ? `${state.offsetNs} ${state.strobe.deltaNs} ${state.strobe.periodNs}\n`
    : `${state.offsetNs}\n`;
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

export class ClockControl {
  private readonly files = new Map<string, { path: string; handle: number; state: ClockState }>();

  private constructor(
    private readonly ledger: Ledger,
    private readonly dir: string,
    readonly shimPath: string,
  ) {}

  /** Builds (or finds in the cache) the shim; offset files go in `dir` (a folder of the run). */
  static async create(ledger: Ledger, dir: string): Promise<ClockControl> {
    mkdirSync(dir, { recursive: true });
    return new ClockControl(ledger, dir, await buildClockShim());
  }

  /** The environment for a process on `host` (creates the host's offset file at 0 the first time). */
  envFor(host: string, shiftMonotonic = false): Record<string, string> {
    return clockShimEnv(this.shimPath, this.fileFor(host), shiftMonotonic);
  }

  /** Hosts that have an offset file. */
  hosts(): string[] {
    return [...this.files.keys()];
  }

  state(host: string): ClockState {
    return this.files.get(host)?.state ?? { offsetNs: 0n };
  }

  /** Shifts the host's clock by `deltaMs` more (negative: back); stops a strobe. */
  jump(host: string, deltaMs: number): ClockState {
    const next = { offsetNs: this.state(host).offsetNs + BigInt(Math.round(deltaMs * 1e6)) };
    return this.set(host, next);
  }

  /** Makes the host's clock alternate between its offset and offset + deltaMs every periodMs. */
  strobe(host: string, deltaMs: number, periodMs: number): ClockState {
    if (!(periodMs > 0)) throw new Error(`strobe period must be > 0 ms, got ${periodMs}`);
    return this.set(host, {
      offsetNs: this.state(host).offsetNs,
      strobe: { deltaNs: BigInt(Math.round(deltaMs * 1e6)), periodNs: BigInt(Math.round(periodMs * 1e6)) },
    });
  }

  /** Back to the true time. */
  reset(host: string): void {
    if (this.files.has(host)) this.set(host, { offsetNs: 0n });
  }

  resetAll(): void {
    for (const host of this.files.keys()) this.reset(host);
  }

  /** Resets every clock and removes the offset files (processes still running read offset 0). */
  dispose(): void {
    for (const [host, f] of this.files) {
      writeOffsetFile(f.path, { offsetNs: 0n });
      rmSync(f.path, { force: true });
      rmSync(`${f.path}.tmp`, { force: true });
      this.ledger.removed(f.handle);
      this.files.delete(host);
    }
  }

  private set(host: string, state: ClockState): ClockState {
    const f = this.files.get(host);
    const path = f?.path ?? this.fileFor(host);
    writeOffsetFile(path, state);
    this.files.get(host)!.state = state;
    return state;
  }

  private fileFor(host: string): string {
    const known = this.files.get(host);
    if (known) return known.path;
    if (!/^[A-Za-z0-9_.-]+$/.test(host))
      throw new Error(`bad host name for a clock file: ${JSON.stringify(host)}`);
    const path = join(this.dir, `clock-${host}.offset`);
    const handle = this.ledger.willCreate({ kind: "file", path });
    writeOffsetFile(path, { offsetNs: 0n });
    this.files.set(host, { path, handle, state: { offsetNs: 0n } });
    return path;
  }
}
