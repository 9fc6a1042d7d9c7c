// Unit tests of the pairing of ops and of owners' tenures (the critical sections by their own account).

import { describe, expect, it } from "vitest";
import { pairOperations } from "../../../checker/effects/operations.js";
import { buildTenures } from "../../../checker/effects/tenures.js";
import { HistoryBuilder } from "./history-builder.js";

describe("pairOperations", () => {
  it("pairs by process; info and open ops may take effect forever after; nemesis ops are left out", () => {
    const h = new HistoryBuilder();
    const ok = h.call({ process: 1, f: "res-read", at: [0, 2], input: { resource: "set" } });
    const info = h.call({ process: 2, f: "res-write", at: [1, 3], type: "info" });
    const open = h.call({ process: 3, f: "acquire", at: [4] });
    const history = h.build();
    history.push({ index: history.length, time: 5e6, process: "nemesis", type: "info", f: "kill" });
    const ops = pairOperations(history);
    expect(ops.map((o) => [o.id, o.completionIndex, o.type, o.completeTime])).toEqual([
      [ok.id, ok.done, "ok", 2e6],
      [info.id, info.done, "info", Number.POSITIVE_INFINITY],
      [open.id, undefined, "info", Number.POSITIVE_INFINITY],
    ]);
    expect(ops[1].returnTime).toBe(3e6);
    expect(ops[2].returnTime).toBe(4e6);
  });
});

describe("buildTenures", () => {
  it("a tenure runs from the acquire's ok to the release's invocation and owns the accesses and renews in it", () => {
    const h = new HistoryBuilder();
    const acq = h.acquire(1, "A", [0, 1]);
    const r = h.read(1, "A", [2, 3], []);
    const renew = h.renew(1, "A", [4, 5]);
    h.renew(1, "A", [5.5, 5.8], 1000, "fail");
    const rel = h.release(1, "A", [6, 7]);
    const t = buildTenures(pairOperations(h.build())).get("k")?.tenures ?? [];
    expect(t).toHaveLength(1);
    expect(t[0]).toMatchObject({ owner: "A", start: 1e6, end: 6e6 });
    expect(t[0].acquire.id).toBe(acq.id);
    expect(t[0].release?.id).toBe(rel.id);
    expect(t[0].accesses.map((a) => a.id)).toEqual([r.id]);
    expect(t[0].renews.map((a) => a.id)).toEqual([renew.id]);
  });

  it("an ok acquire by an owner that already holds begins a new tenure", () => {
    const h = new HistoryBuilder();
    h.acquire(1, "A", [0, 1]);
    const r1 = h.read(1, "A", [2, 3], []);
    const again = h.acquire(1, "A", [4, 5]);
    const r2 = h.read(1, "A", [6, 7], []);
    const t = buildTenures(pairOperations(h.build())).get("k")?.tenures ?? [];
    expect(t.map((x) => [x.start, x.end, x.reacquire?.id, x.accesses.map((a) => a.id)])).toEqual([
      [1e6, 5e6, again.id, [r1.id]],
      [5e6, 7e6, undefined, [r2.id]],
    ]);
  });

  it("a failed acquire begins nothing; accesses outside every tenure are orphans, tied to the tenure before", () => {
    const h = new HistoryBuilder();
    h.call({
      process: 1,
      f: "acquire",
      at: [0, 1],
      input: { owner: "A", ttlMs: 1000 },
      type: "fail",
      error: "held",
    });
    const before = h.read(1, "A", [2, 3], []);
    h.acquire(1, "A", [4, 5]);
    const rel = h.release(1, "A", [6, 7]);
    const after = h.read(1, "A", [8, 9], []);
    const k = buildTenures(pairOperations(h.build())).get("k");
    expect(k?.tenures).toHaveLength(1);
    expect(k?.orphans.map((o) => [o.access.id, o.after?.release?.id])).toEqual([
      [before.id, undefined],
      [after.id, rel.id],
    ]);
  });

  it("final reads are not accesses", () => {
    const h = new HistoryBuilder();
    h.acquire(1, "A", [0, 1]);
    h.finalRead([2, 3], []);
    const k = buildTenures(pairOperations(h.build())).get("k");
    expect(k?.tenures[0].accesses).toEqual([]);
    expect(k?.orphans).toEqual([]);
  });
});
