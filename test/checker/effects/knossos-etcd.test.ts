// The lease-usage findings on Knossos's real etcd lock history (../shared/data/knossos/mutex/bad/etcd.edn),
// worked out by hand. The file has no owners and no TTLs: the owner is the process, the TTL 2000 ms (the
// test's leases), ε = 0.01, so a lease's earliest end is its acquire's invocation + 1980 ms.
//
// Three acquires returned ok after that point, i.e. after the new holder's own lease may already have ended
// (etcd granting a lock on an expired lease, etcd issue 11456; Jepsen saw the same):
//   process 1: invoke index 627 at 16763.298294 ms, ok index 686 at 18949.675555 ms:
//     18949.675555 - (16763.298294 + 1980) = 206.377261 ms late
//   process 0: invoke index 1095 at 28725.735425 ms, ok index 1119 at 32085.029300 ms:
//     32085.029300 - (28725.735425 + 1980) = 1379.293875 ms late (the one ../shared/data/README.md names)
//   process 1: invoke index 1116 at 29646.498962 ms, ok index 1133 at 34819.701448 ms:
//     34819.701448 - (29646.498962 + 1980) = 3193.202486 ms late (the worst)
// Every other ok acquire returned within 1980 ms of its invocation. The history has no resource accesses,
// so the other effect checks are skipped, and no access can be late.

import { beforeAll, describe, expect, it } from "vitest";
import { checkLeaseUsage } from "../../../checker/effects/lease-usage.js";
import { runLockChecks } from "../../../checker/lock-checks.js";
import { loadHistory } from "../../../histories/load.js";
import type { History } from "../../../histories/op.js";

const FILE = "../shared/data/knossos/mutex/bad/etcd.edn";

describe("lease-usage on knossos/mutex/bad/etcd.edn", () => {
  let history: History;
  beforeAll(async () => {
    history = (await loadHistory(FILE)).history;
  });

  it("finds exactly the three acquires that returned after their own lease's earliest end", () => {
    const r = checkLeaseUsage(history, { defaultTtlMs: 2000 });
    expect(r.valid).toBe(false);
    expect(r.violations.map((v) => [v.kind, v.ops])).toEqual([
      ["acquire-returned-after-lease-end", [627, 686]],
      ["acquire-returned-after-lease-end", [1095, 1119]],
      ["acquire-returned-after-lease-end", [1116, 1133]],
    ]);
    expect(r.violations[1].explanation).toBe(
      "process 0's acquire (invoked index 1095 at 28725.735 ms, ttl 2000 ms) returned ok (index 1119) at 32085.029 ms, 1379.294 ms after its lease's earliest end 30705.735 ms",
    );
    expect(r.counts.worstOverrunMs).toBe(3193.202);
    expect(r.counts.accessesChecked).toBe(0);
    // 132 ok acquires in the file, each checked
    expect(r.counts.acquiresChecked).toBe(
      history.filter((op) => op.f === "acquire" && op.type === "ok").length,
    );
  });

  it("the times are the file's: each finding is its ok time minus invoke time minus 1980 ms", () => {
    const r = checkLeaseUsage(history, { defaultTtlMs: 2000 });
    for (const v of r.violations) {
      const [inv, ok] = v.ops.map((i) => history[i]);
      expect(inv.index).toBe(v.ops[0]);
      expect(inv.process).toBe(ok.process);
      const lateMs = (ok.time - inv.time) / 1e6 - 1980;
      expect(lateMs).toBeGreaterThan(0);
      expect(v.explanation).toContain(`${(Math.round(lateMs * 1000) / 1000).toString()} ms after`);
    }
  });

  it("with a 3.5 s TTL only the 5.2 s acquire of process 1 is late; without any TTL there is no data", () => {
    const r = checkLeaseUsage(history, { defaultTtlMs: 3500 });
    expect(r.violations.map((v) => v.ops)).toEqual([[1116, 1133]]);
    expect(checkLeaseUsage(history).noData).toBe(true);
  });

  it("composed with the other checks: lease-usage makes the verdict false; the effect checks are skipped", () => {
    const r = runLockChecks(history, { defaultTtlMs: 2000, engine: "ts" });
    expect(r.checks["lease-usage"].valid).toBe(false);
    expect(r.checks.exclusion.valid).toBe("skipped");
    expect(r.checks["lost-updates"].valid).toBe("skipped");
    expect(r.checks.fencing.valid).toBe("skipped");
    expect(r.checks.linearizable.valid).not.toBe("skipped");
    expect(r.valid).toBe(false);
  });
});
