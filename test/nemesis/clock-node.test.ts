// Live test of the clock shim on a Node process: a jump moves its Date.now(), a reset brings it back,
// a strobe makes it alternate, and the monotonic clock only moves when asked to.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClockControl } from "../../nemesis/clock.js";
import { Ledger } from "../../nemesis/ledger.js";

const PROBE = `
const rl = require("node:readline").createInterface({ input: process.stdin });
rl.on("line", () => process.stdout.write(JSON.stringify({ wall: Date.now(), mono: Number(process.hrtime.bigint() / 1000000n) }) + "\\n"));
`;

class Probe {
  private readonly lines: Array<(l: string) => void> = [];
  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on("line", (l) => this.lines.shift()?.(l));
  }
  read(): Promise<{ wall: number; mono: number; real: number }> {
    return new Promise((resolve) => {
      this.lines.push((l) => resolve({ ...JSON.parse(l), real: Date.now() }));
      this.child.stdin!.write("\n");
    });
  }
  /** Polls until `pred` holds (the shim re-reads the file within 1 ms); fails after 2 s. */
  async until(pred: (s: { wall: number; mono: number; real: number }) => boolean) {
    const deadline = Date.now() + 2000;
    for (;;) {
      const s = await this.read();
      if (pred(s)) return s;
      if (Date.now() > deadline) throw new Error(`condition not met; last sample ${JSON.stringify(s)}`);
    }
  }
}

describe("clock shim on a Node process", () => {
  let dir: string;
  let ledger: Ledger;
  let clock: ClockControl;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "lsm-clock-"));
    ledger = new Ledger(`test-clock-node-${process.pid}`, join(dir, "state"));
    clock = await ClockControl.create(ledger, join(dir, "clocks"));
  });
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    clock.dispose();
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function start(host: string, mono = false): Probe {
    const child = spawn(process.execPath, ["-e", PROBE], {
      env: { ...process.env, ...clock.envFor({ name: host }, mono) },
      stdio: ["pipe", "pipe", "inherit"],
    });
    children.push(child);
    return new Probe(child);
  }

  it("a +10 s jump moves Date.now() by 10 s, and a reset brings it back", async () => {
    const p = start("c1");
    const before = await p.read();
    expect(Math.abs(before.wall - before.real)).toBeLessThan(500);
    clock.jump({ name: "c1" }, 10_000);
    const after = await p.until((s) => s.wall - s.real > 9_000);
    expect(after.wall - after.real).toBeGreaterThan(9_500);
    expect(after.wall - after.real).toBeLessThan(10_500);
    expect(Math.abs(after.mono - before.mono)).toBeLessThan(5_000); // monotonic untouched by default
    clock.jump({ name: "c1" }, -15_000); // now 5 s behind
    const back = await p.until((s) => s.wall - s.real < -4_000);
    expect(back.wall - back.real).toBeGreaterThan(-5_500);
    clock.reset({ name: "c1" });
    const healed = await p.until((s) => Math.abs(s.wall - s.real) < 500);
    expect(Math.abs(healed.wall - healed.real)).toBeLessThan(500);
  });

  it("a strobe alternates the clock between two offsets", async () => {
    const p = start("c2");
    clock.strobe({ name: "c2" }, 60_000, 20);
    const seen = new Set<number>();
    const deadline = Date.now() + 2000;
    while (seen.size < 2 && Date.now() < deadline) {
      const s = await p.read();
      seen.add(Math.round((s.wall - s.real) / 60_000));
      await new Promise((r) => setTimeout(r, 7));
    }
    expect([...seen].sort()).toEqual([0, 1]);
    clock.reset({ name: "c2" });
    const healed = await p.until((s) => Math.abs(s.wall - s.real) < 500);
    expect(Math.abs(healed.wall - healed.real)).toBeLessThan(500);
  });

  it("with the monotonic flag, process.hrtime moves too", async () => {
    const p = start("c3", true);
    const before = await p.read();
    clock.jump({ name: "c3" }, 30_000);
    const after = await p.until((s) => s.wall - s.real > 29_000);
    expect(after.mono - before.mono).toBeGreaterThan(29_000);
    clock.reset({ name: "c3" });
  });
});
