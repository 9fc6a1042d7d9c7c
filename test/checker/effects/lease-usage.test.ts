// Unit tests of the lease-usage check: accesses and acquire returns after the earliest end of the client's
// own lease (invoke + ttl·(1−ε), extended by ok renews), with the worst overrun.

import { describe, expect, it } from "vitest";
import { checkLeaseUsage } from "../../../checker/effects/lease-usage.js";
import { HistoryBuilder } from "./history-builder.js";

describe("lease-usage", () => {
  it("accesses within the lease: valid", () => {
    const h = new HistoryBuilder();
    h.acquire(1, "A", [0, 10], 1000);
    h.read(1, "A", [20, 30], []);
    h.write(1, "A", [40, 989], [1], { added: 1 }); // invoked before 990 = 1000·0.99
    h.release(1, "A", [995, 996]);
    const r = checkLeaseUsage(h.build());
    expect(r.valid).toBe(true);
    expect(r.counts).toMatchObject({ tenures: 1, acquiresChecked: 1, accessesChecked: 2, worstOverrunMs: 0 });
  });

  it("an access invoked after invoke + ttl·(1−ε): violation with the overrun", () => {
    const h = new HistoryBuilder();
    const acq = h.acquire(1, "A", [100, 110], 1000);
    h.read(1, "A", [120, 130], []);
    const w = h.write(1, "A", [1500, 1501], [1], { added: 1 });
    h.release(1, "A", [1502, 1503]);
    const r = checkLeaseUsage(h.build());
    expect(r.valid).toBe(false);
    expect(r.violations).toMatchObject([{ kind: "access-after-lease-end", ops: [acq.id, w.id] }]);
    // lease earliest end = 100 + 990 = 1090 ms; the write is invoked at 1500 ms
    expect(r.counts.worstOverrunMs).toBe(410);
  });

  it("epsilon is a parameter: with ε = 0.5 the lease ends at half the ttl", () => {
    const h = new HistoryBuilder();
    h.acquire(1, "A", [0, 10], 1000);
    h.read(1, "A", [600, 610], []);
    expect(checkLeaseUsage(h.build()).valid).toBe(true);
    const r = checkLeaseUsage(h.build(), { epsilon: 0.5 });
    expect(r.valid).toBe(false);
    expect(r.counts.worstOverrunMs).toBe(100);
  });

  it("an ok renew extends the lease from the renew's invocation", () => {
    const h = new HistoryBuilder();
    h.acquire(1, "A", [0, 10], 1000);
    h.renew(1, "A", [800, 810], 1000);
    h.write(1, "A", [1700, 1710], [1], { added: 1 }); // before 800 + 990 = 1790
    h.release(1, "A", [1720, 1730]);
    expect(checkLeaseUsage(h.build()).valid).toBe(true);
  });

  it("a failed renew extends nothing; the proof names the last ok renew", () => {
    const h = new HistoryBuilder();
    const acq = h.acquire(1, "A", [0, 10], 1000);
    const ok = h.renew(1, "A", [500, 510], 1000);
    h.renew(1, "A", [1400, 1410], 1000, "fail");
    const w = h.write(1, "A", [1600, 1610], [1], { added: 1 });
    const r = checkLeaseUsage(h.build());
    expect(r.violations).toMatchObject([{ kind: "access-after-lease-end", ops: [acq.id, ok.id, w.id] }]);
    expect(r.counts.worstOverrunMs).toBe(110); // 1600 - (500 + 990)
  });

  it("an acquire that returns after its own lease's earliest end (etcd #11456)", () => {
    const h = new HistoryBuilder();
    const acq = h.acquire(1, "A", [0, 2500], 2000);
    h.release(1, "A", [2600, 2610]);
    const r = checkLeaseUsage(h.build());
    expect(r.valid).toBe(false);
    expect(r.violations).toMatchObject([
      { kind: "acquire-returned-after-lease-end", ops: [acq.id, acq.done] },
    ]);
    expect(r.counts.worstOverrunMs).toBe(520); // 2500 - 1980
  });

  it("an acquire that returns in time: valid", () => {
    const h = new HistoryBuilder();
    h.acquire(1, "A", [0, 1979], 2000);
    expect(checkLeaseUsage(h.build()).valid).toBe(true);
  });

  it("a lease the client reports granted before the invocation starts there", () => {
    const h = new HistoryBuilder();
    h.acquire(1, "A", [500, 510], 1000, { leaseGrantedAt: 100 * 1e6 });
    h.read(1, "A", [1200, 1210], []); // 500 + 990 = 1490 would pass; 100 + 990 = 1090 does not
    const r = checkLeaseUsage(h.build());
    expect(r.valid).toBe(false);
    expect(r.counts.worstOverrunMs).toBe(110);
  });

  it("an access after the owner's own release, or before any acquire", () => {
    const h = new HistoryBuilder();
    const early = h.read(1, "A", [0, 1], []);
    h.acquire(1, "A", [2, 3], 1000);
    const rel = h.release(1, "A", [4, 5]);
    const late = h.read(1, "A", [6, 7], []);
    const r = checkLeaseUsage(h.build());
    expect(r.violations.map((v) => [v.kind, v.ops])).toEqual([
      ["access-without-lease", [early.id]],
      ["access-after-release", [rel.id, late.id]],
    ]);
  });

  it("ttl from the options when ops carry none; no ttl at all: no data", () => {
    const h = new HistoryBuilder();
    h.call({ process: 0, f: "acquire", at: [0, 3000] });
    expect(checkLeaseUsage(h.build()).noData).toBe(true);
    const r = checkLeaseUsage(h.build(), { defaultTtlMs: 2000 });
    expect(r.valid).toBe(false);
    expect(r.violations[0].explanation).toContain("process 0");
    expect(r.counts.worstOverrunMs).toBe(1020);
  });

  it("reports the worst of several overruns", () => {
    const h = new HistoryBuilder();
    h.acquire(1, "A", [0, 10], 100);
    h.read(1, "A", [200, 210], []);
    h.write(1, "A", [300, 310], [1], { added: 1 });
    const r = checkLeaseUsage(h.build());
    expect(r.violations).toHaveLength(2);
    expect(r.counts.worstOverrunMs).toBe(201);
  });
});
