// Unit tests of fault packages and the schedule driver, with faults that only count what they are asked:
// plans replay from a seed, packages compose, every start is recorded with its stop, finish heals all.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Fault, type NemesisContext, parseFaultList } from "../../nemesis/faults.js";
import { composePackages, type FaultPackage, packagesFor } from "../../nemesis/package.js";
import { intervalPlan, NemesisDriver, type NemesisEvent } from "../../nemesis/schedule.js";

const seeded = (seed: number) => {
  let s = seed >>> 0 || 7;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
};

function fakeFault(
  name: Fault["name"],
  log: string[],
  opts: { failStart?: boolean; unsupported?: string } = {},
): Fault {
  return {
    name,
    unsupported: () => opts.unsupported,
    async start() {
      if (opts.failStart) throw new Error("boom");
      log.push(`start ${name}`);
      return {
        fault: name,
        f: name,
        value: { targets: ["n1"] },
        stopF: "heal",
        async stop() {
          log.push(`stop ${name}`);
          return {};
        },
      };
    },
  };
}

const ctx = {} as NemesisContext;

function pkg(faults: Fault[], log: string[]): FaultPackage {
  return {
    name: faults.map((f) => f.name).join("+"),
    faults,
    async finalHeal() {
      log.push("final heal");
      return ["healed"];
    },
  };
}

describe("interval plans", () => {
  it("replay from the seed, alternate start and rest, and stay within the duration", () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 10, max: 500 }),
        fc.integer({ min: 0, max: 10_000 }),
        (seed, iv, dur) => {
          const faults = parseFaultList("all");
          const a = intervalPlan(faults, { intervalMs: iv, durationMs: dur, rng: seeded(seed) });
          const b = intervalPlan(faults, { intervalMs: iv, durationMs: dur, rng: seeded(seed) });
          expect(a).toEqual(b);
          for (const [i, step] of a.entries()) {
            expect(step.atMs).toBe(iv + 2 * iv * i);
            expect(step.atMs + step.holdMs).toBeLessThanOrEqual(dur);
          }
        },
      ),
    );
  });

  it("draw by weight", () => {
    const plan = intervalPlan(["kill", "pause"], {
      intervalMs: 1,
      durationMs: 4_000,
      rng: seeded(3),
      weights: { kill: 3, pause: 1 },
    });
    const kills = plan.filter((p) => p.fault === "kill").length;
    expect(kills / plan.length).toBeGreaterThan(0.65);
    expect(kills / plan.length).toBeLessThan(0.85);
  });
});

describe("packages", () => {
  it("compose: union of faults, summed weights, every final heal", async () => {
    const log: string[] = [];
    const a = pkg([fakeFault("kill", log)], log);
    const b = pkg([fakeFault("pause", log), fakeFault("kill", log)], log);
    const c = composePackages([a, b]);
    expect(c.faults.map((f) => f.name).sort()).toEqual(["kill", "kill", "pause"]); // two distinct kill faults
    expect(c.weights).toEqual({ kill: 2, pause: 1 });
    await c.finalHeal(ctx);
    expect(log.filter((l) => l === "final heal").length).toBe(2);
    expect(packagesFor(parseFaultList("kill,clock")).name).toBe("kill+clock");
    expect(() => parseFaultList("kill,meteor")).toThrow(/meteor/);
  });
});

describe("the driver", () => {
  it("records each start with its stop, skips unsupported faults, and ends with a heal of everything", async () => {
    const log: string[] = [];
    const events: NemesisEvent[] = [];
    const p = pkg(
      [
        fakeFault("kill", log),
        fakeFault("clock", log, { unsupported: "no shim" }),
        fakeFault("loss", log, { failStart: true }),
      ],
      log,
    );
    const d = new NemesisDriver(p, ctx, (e) => events.push(e));
    expect(d.runnable()).toEqual(["kill", "loss"]);
    await d.run([
      { atMs: 0, fault: "kill", holdMs: 5 },
      { atMs: 10, fault: "clock", holdMs: 5 },
      { atMs: 20, fault: "loss", holdMs: 5 },
    ]);
    const active = await d.start("kill"); // left active: finish must stop it
    expect(active).toBeDefined();
    const summary = await d.finish(0);
    expect(log).toEqual(["start kill", "stop kill", "start kill", "stop kill", "final heal"]);
    expect(events.map((e) => `${e.type} ${e.f}`)).toEqual([
      "invoke kill",
      "ok kill",
      "invoke heal",
      "ok heal",
      "invoke loss",
      "info loss",
      "invoke kill",
      "ok kill",
      "invoke heal",
      "ok heal",
      "invoke heal-all",
      "ok heal-all",
    ]);
    expect(summary.skipped).toEqual([{ fault: "clock", why: "no shim" }]);
    expect(summary.started).toBe(2);
    expect(summary.stopped).toBe(2);
  });

  it("stops waiting when aborted, and finish still stops the active fault", async () => {
    const log: string[] = [];
    const d = new NemesisDriver(pkg([fakeFault("kill", log)], log), ctx, () => {});
    const ac = new AbortController();
    const running = d.run([{ atMs: 0, fault: "kill", holdMs: 60_000 }], ac.signal);
    await new Promise((r) => setTimeout(r, 20));
    ac.abort();
    await running;
    await d.finish(0);
    expect(log).toEqual(["start kill", "stop kill", "final heal"]);
  });
});
