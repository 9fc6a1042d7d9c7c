// The mid-section gate: an armed fault pauses exactly the next writer the runner announces, once; unarmed,
// announcements do nothing; a writer that cannot be paused is skipped; the deadline and abort disarm it.
import { describe, expect, it } from "vitest";
import { MidSectionGate } from "../../nemesis/holder-pause.js";

describe("MidSectionGate", () => {
  it("does nothing when no fault is armed", () => {
    const gate = new MidSectionGate();
    expect(gate.isArmed).toBe(false);
    gate.beforeWrite("c0", 101); // must not throw or pause anything
    expect(gate.isArmed).toBe(false);
  });

  it("pauses the next writer once and resolves with it", async () => {
    const gate = new MidSectionGate();
    const paused: number[] = [];
    const armed = gate.pauseNextWriter((pid) => {
      paused.push(pid);
      return true;
    }, 5_000);
    expect(gate.isArmed).toBe(true);
    gate.beforeWrite("c1", 202);
    gate.beforeWrite("c2", 303);
    expect(await armed).toEqual({ name: "c1", pid: 202 });
    expect(paused).toEqual([202]);
    expect(gate.isArmed).toBe(false);
  });

  it("skips a writer whose process cannot be paused and waits for the next", async () => {
    const gate = new MidSectionGate();
    const armed = gate.pauseNextWriter((pid) => pid !== 1, 5_000);
    gate.beforeWrite("gone", 1);
    expect(gate.isArmed).toBe(true);
    gate.beforeWrite("c3", 4);
    expect(await armed).toEqual({ name: "c3", pid: 4 });
  });

  it("gives up at the deadline or on abort, and is disarmed then", async () => {
    const gate = new MidSectionGate();
    expect(await gate.pauseNextWriter(() => true, 10)).toBeUndefined();
    expect(gate.isArmed).toBe(false);
    const ctl = new AbortController();
    const armed = gate.pauseNextWriter(() => true, 5_000, ctl.signal);
    ctl.abort();
    expect(await armed).toBeUndefined();
    expect(gate.isArmed).toBe(false);
    let called = false;
    gate.beforeWrite("c0", 5);
    expect(
      await gate.pauseNextWriter(
        () => {
          called = true;
          return true;
        },
        10,
        AbortSignal.abort(),
      ),
    ).toBeUndefined();
    expect(called).toBe(false);
  });
});
