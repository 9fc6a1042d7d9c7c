// Why ../shared/data/knossos/mutex/bad/etcd.edn (a real etcd lock history, 2 s leases, Knossos's test
// data) is not linearizable for `mutex`, and why it is for `lease-lock` with 2000 ms leases. The hand
// analysis is below; the test checks each of its steps against the history and the checker.
//
// The end of the history (times in ms since the start; fail ops removed, since they did not happen):
//
//   index  op                          interval (invoke .. complete)
//   1071   acquire by process 4        28043.225 .. 28868.968 (1098)
//   1088   acquire by process 1        28495.292 .. 29175.673 (1106)
//   1094   acquire by process 3        28694.900 .. 29421.304 (1109)
//   1095   acquire by process 0        28725.735 .. 32085.029 (1119)
//   1096   release by process 2        28799.027 .. 28867.966 (1097)
//   1104   release by process 4        29120.855 .. 29173.888 (1105)
//   1108   release by process 1        29340.008 .. 29426.475 (1110)
//   1116   acquire by process 1        29646.499 .. 34819.701 (1133)
//   1115   release by process 3        29589.249 .. fails at 32094.782 (1120) "lease not found"
//
// mutex: Knossos's boolean lock needs acquires and releases to alternate, so successful acquires can
// outnumber successful releases by at most one (the last holder). Fail ops never happened, and the only
// info ops are three acquires still open at the end (they may never happen). The history has 132 ok
// acquires and 129 ok releases: two acquires are never undone. They are process 3's (1094/1109), whose
// release 1115 fails at 1120 with "lease not found" (its 2 s lease had expired), and process 0's
// (1095/1119), whose release 1125 fails the same way at 1134. The search gets stuck at the first of these
// to bite: the longest linearizations end with process 3 holding the lock, and the acquire no path gets
// past is 1095, process 0's (the mutex ignores owners, so which release undoes which acquire is free;
// the count cannot be).
//
// lease-lock, TTL 2000 ms, ε = 0.01 (a lease lasts at least 1980 ms): process 3's lease began no later
// than its invocation at 28694.900, so it may have ended from 28694.900 + 1980 = 30674.900 on. Process 0's
// acquire is still running then (it returns at 32085.029), so it can take the lock at 30674.900 from a
// holder whose lease may have ended: legal. Process 1's acquire (1116) can follow once 0's lease, begun by
// 28725.735, may have ended (30705.735 <= 34819.701). The unknown acquires at the end may never happen.
// So the history is linearizable for a lease lock: what etcd did is what leases allow.
// The deciding constraint is 28694.900 + TTL·0.99 <= 32085.029, i.e. TTL <= 3424.37 ms: with any longer
// lease process 0's acquire would come too early, and the checker must then say false at op 1095.

import { describe, expect, it } from "vitest";
import { check } from "../../checker/check.js";
import { loadHistory } from "../../histories/load.js";
import type { History } from "../../histories/op.js";
import { getModel } from "../../models/index.js";

const FILE = new URL("../../../shared/data/knossos/mutex/bad/etcd.edn", import.meta.url).pathname;
const MS = 1_000_000;

function at(history: History, index: number) {
  const op = history.find((o) => o.index === index);
  if (!op) throw new Error(`no op ${index}`);
  return op;
}

describe("knossos/mutex/bad/etcd.edn", async () => {
  const { history } = await loadHistory(FILE);

  it("the facts the analysis rests on are in the history", () => {
    expect(at(history, 1094)).toMatchObject({ process: 3, type: "invoke", f: "acquire" });
    expect(at(history, 1109)).toMatchObject({ process: 3, type: "ok", f: "acquire" });
    expect(at(history, 1095)).toMatchObject({ process: 0, type: "invoke", f: "acquire" });
    expect(at(history, 1119)).toMatchObject({ process: 0, type: "ok", f: "acquire" });
    expect(at(history, 1115)).toMatchObject({ process: 3, type: "invoke", f: "release" });
    expect(at(history, 1120)).toMatchObject({ process: 3, type: "fail", f: "release" });
    const count = (type: string, f: string) => history.filter((o) => o.type === type && o.f === f).length;
    expect(count("ok", "acquire")).toBe(132);
    expect(count("ok", "release")).toBe(129);
    expect(history.filter((o) => o.type === "info" && o.process !== "nemesis")).toHaveLength(3);
    expect(at(history, 1125)).toMatchObject({ process: 0, type: "invoke", f: "release" });
    expect(at(history, 1134)).toMatchObject({ process: 0, type: "fail", f: "release" });
    expect(at(history, 1094).time / MS).toBeCloseTo(28694.9, 2);
    expect(at(history, 1119).time / MS).toBeCloseTo(32085.029, 2);
  });

  it("is not linearizable for mutex: process 0's acquire (1095) cannot follow process 3's", () => {
    const result = check(history, getModel("mutex"), { engine: "ts" });
    expect(result.valid).toBe(false);
    const ce = result.counterexample!;
    expect(ce.opIndex).toBe(1095);
    const longest = ce.longestPrefixes[0];
    expect(longest.at(-1)).toMatchObject({ opIndex: 1094, stateAfter: "held" });
  });

  it("is linearizable for lease-lock with 2000 ms leases: process 3's lease may have ended", () => {
    const result = check(history, getModel("lease-lock", { defaultTtlMs: 2000 }), { engine: "ts" });
    expect(result.valid).toBe(true);
  });

  it("flips exactly where the hand analysis says: TTL <= (t1119 - t1094) / 0.99", () => {
    const bound = (at(history, 1119).time - at(history, 1094).time) / 0.99 / MS;
    expect(bound).toBeCloseTo(3424.37, 1);
    const under = check(history, getModel("lease-lock", { defaultTtlMs: Math.floor(bound) }), {
      engine: "ts",
    });
    expect(under.valid).toBe(true);
    const over = check(history, getModel("lease-lock", { defaultTtlMs: Math.ceil(bound) }), { engine: "ts" });
    expect(over.valid).toBe(false);
    expect(over.counterexample?.opIndex).toBe(1095);
    const forever = check(history, getModel("lease-lock", { defaultTtlMs: Infinity }), { engine: "ts" });
    expect(forever.valid).toBe(false);
  });
});
