// The mid-section gate: an armed fault pauses exactly the next writer the runner announces, once; unarmed,
// announcements do nothing; a writer that cannot be paused is skipped; the deadline and abort disarm it.
// From the pause on, the gate counts other clients' writes on the paused writer's key (what the fault's stop
// waits for before it resumes the stale writer).
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
    expect(await armed).toMatchObject({ name: "c1", pid: 202 });
    expect(paused).toEqual([202]);
    expect(gate.isArmed).toBe(false);
  });

  it("skips a writer whose process cannot be paused and waits for the next", async () => {
    const gate = new MidSectionGate();
    const armed = gate.pauseNextWriter((pid) => pid !== 1, 5_000);
    gate.beforeWrite("gone", 1);
    expect(gate.isArmed).toBe(true);
    gate.beforeWrite("c3", 4);
    expect(await armed).toMatchObject({ name: "c3", pid: 4 });
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

  it("counts the other clients' writes on the paused writer's key from the pause on, until released", async () => {
    const gate = new MidSectionGate();
    gate.beforeWrite("c2", 9, "k0"); // before any arming: not counted anywhere
    const armed = gate.pauseNextWriter(() => true, 5_000);
    gate.beforeWrite("c1", 7, "k0");
    const w = await armed;
    expect(w).toMatchObject({ name: "c1", pid: 7, key: "k0" });
    if (!w) return;
    expect(w.others.seen).toBe(0);
    const two = w.others.until(2, 5_000);
    gate.beforeWrite("c1", 7, "k0"); // the paused writer itself: not counted
    gate.beforeWrite("c2", 9, "k1"); // another key: not counted
    gate.beforeWrite("c2", 9, "k0");
    expect(w.others.seen).toBe(1);
    gate.beforeWrite("c3", 11, "k0");
    expect(await two).toBe(2);
    gate.release(w);
    gate.beforeWrite("c2", 9, "k0");
    expect(w.others.seen).toBe(2);
  });

  it("a wait for other writes ends at its deadline or on abort with what it saw", async () => {
    const gate = new MidSectionGate();
    const armed = gate.pauseNextWriter(() => true, 5_000);
    gate.beforeWrite("c0", 1, "k0");
    const w = await armed;
    if (!w) throw new Error("not paused");
    gate.beforeWrite("c1", 2, "k0");
    const t0 = Date.now();
    expect(await w.others.until(3, 50)).toBe(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    const ctl = new AbortController();
    const waiting = w.others.until(3, 5_000, ctl.signal);
    ctl.abort();
    expect(await waiting).toBe(1);
  });
});
