import { describe, expect, it } from "vitest";
import { formatSummary, quantile } from "../../runner/summary.js";

describe("summary", () => {
  it("quantile picks by nearest rank and is NaN when empty", () => {
    const xs = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    expect(quantile(xs, 0.5)).toBe(5);
    expect(quantile(xs, 0.99)).toBe(10);
    expect(quantile(xs, 0)).toBe(1);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it("prints ops by function and outcome, latencies and where the history is", () => {
    const text = formatSummary({
      lock: "etcd-cas",
      historyPath: "/r/history.jsonl",
      testJsonPath: "/r/test.json",
      ops: 10,
      counts: { "acquire ok": 2, "acquire fail": 3 },
      acquireP50Ms: 1.5,
      acquireP99Ms: 7,
      acquireOkP50Ms: Number.NaN,
      acquireOkP99Ms: 2,
      workerRestarts: 0,
      durationS: 20,
    });
    expect(text).toContain("acquire    fail 3, ok 2");
    expect(text).toContain("p50 1.50 ms, p99 7.00 ms");
    expect(text).toContain("p50 -, p99 2.00 ms");
    expect(text).toContain("history: /r/history.jsonl");
  });
});
