// `locksmith check` on lock histories: lease-lock runs the lock checks (table; --json has `checks` and a
// top-level `valid`), chosen by itself when --model is omitted. Synthetic histories from the benchmark's
// seeded generator: valid ones pass, planted overlaps fail on their key, and a hopeless partition beside an
// illegal one gives false in under a second whichever key comes first.

import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  generateHopelessAndIllegal,
  generateLockHistory,
  toJsonLines,
} from "../../checker/bench/synthetic.js";
import { DEFAULT_SLICE_STEPS } from "../../checker/check.js";
import { runLockChecks } from "../../checker/lock-checks.js";
import { loadHistory } from "../../histories/load.js";
import { DATA_DIR, fileLineMessage, makeTempDir, runBinary, runInProcess, STACK_FRAME } from "./check-run.js";

const tmp = makeTempDir("check-lock");
afterAll(() => tmp.cleanup());

interface LockReport {
  valid: boolean | "unknown";
  elapsedMs: number;
  checks: Record<
    string,
    {
      valid: unknown;
      result?: {
        valid: unknown;
        elapsedMs: number;
        counterexample?: { key: string };
        partitions: { key: string; valid: unknown; cause?: string; steps: number }[];
      };
    }
  >;
}

describe("synthetic lease-lock histories through locksmith check", () => {
  it("a valid generated history is valid, with both engines, without --model", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 2, max: 6 }),
        fc.constantFrom(0, 0.01, 0.03),
        async (seed, keys, clients, infoShare) => {
          const g = generateLockHistory({ seed, operations: 400, keys, clients, infoShare });
          const file = tmp.write(`valid-${n++}.jsonl`, toJsonLines(g.history));
          for (const engine of ["wasm", "ts"]) {
            const run = await runInProcess([
              "check",
              file,
              "--engine",
              engine,
              "--time-limit",
              "20",
              "--json",
            ]);
            const report = JSON.parse(run.stdout) as LockReport;
            expect(report.checks.linearizable.valid).toBe(true);
            expect(report.valid).toBe(true);
            expect(run.code).toBe(0);
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it("a planted overlap is invalid, and the counterexample is on a planted key", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 3 }),
        async (seed, keys) => {
          const g = generateLockHistory({
            seed,
            operations: 600,
            keys,
            clients: 4,
            infoShare: 0.02,
            violations: 1,
          });
          expect(g.planted).toHaveLength(1);
          const file = tmp.write(`planted-${n++}.jsonl`, toJsonLines(g.history));
          const run = await runInProcess(["check", file, "--model", "lease-lock", "--json"]);
          const report = JSON.parse(run.stdout) as LockReport;
          expect(run.code).toBe(1);
          expect(report.valid).toBe(false);
          expect(report.checks.linearizable.valid).toBe(false);
          expect(report.checks.linearizable.result?.counterexample?.key).toBe(g.planted[0].key);
        },
      ),
      { numRuns: 10 },
    );
  });

  it.each([true, false])(
    "hopeless + illegal (hopeless key first: %s): false on the illegal key after at most one slice of the hopeless one, both engines",
    async (hopelessFirst) => {
      const h = generateHopelessAndIllegal({ indeterminate: 64, hopelessFirst });
      const file = tmp.write(`hopeless-${hopelessFirst}.jsonl`, toJsonLines(h.history));
      for (const engine of ["wasm", "ts"]) {
        const run = await runInProcess(["check", file, "--engine", engine, "--json"]);
        const report = JSON.parse(run.stdout) as LockReport;
        const search = report.checks.linearizable.result!;
        expect(run.code).toBe(1);
        expect(search.valid).toBe(false);
        expect(search.counterexample?.key).toBe(h.illegalKey);
        // The hopeless key got at most one slice before the verdict cancelled it (the wall time of this
        // case is a target of `npm run bench:checker`, not of a unit test).
        const hopeless = search.partitions.find((p) => p.key !== h.illegalKey)!;
        expect(hopeless.valid).toBe("unknown");
        expect(hopeless.cause).toBe("cancelled");
        expect(hopeless.steps).toBeLessThanOrEqual(DEFAULT_SLICE_STEPS);
      }
    },
  );
});

describe("knossos/mutex/bad/etcd.edn as a lease lock", () => {
  const file = `${DATA_DIR}/knossos/mutex/bad/etcd.edn`;

  it("without a TTL the model cannot judge it: exit 254 at the line of the first acquire", async () => {
    const run = await runInProcess(["check", file, "--model", "lease-lock"]);
    expect(run.code).toBe(254);
    expect(run.stderr).toMatch(fileLineMessage(file));
    expect(run.stderr).toMatch(/ttlMs/);
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });

  it("with --ttl 2000 the CLI gives the lock checks' own verdict, as a table and as JSON", async () => {
    const { history } = await loadHistory(file);
    const direct = await runLockChecks(history, { defaultTtlMs: 2000 });
    const json = await runInProcess(["check", file, "--ttl", "2000", "--json"]);
    const report = JSON.parse(json.stdout) as LockReport;
    expect(report.valid).toBe(direct.valid);
    expect(Object.keys(report.checks).sort()).toEqual(Object.keys(direct.checks).sort());
    expect(report.checks.linearizable.valid).toBe(direct.checks.linearizable.valid);
    expect(json.code).toBe(direct.valid === true ? 0 : direct.valid === false ? 1 : 2);

    const text = await runBinary(["check", file, "--ttl", "2000"]);
    expect(text.code).toBe(json.code);
    for (const check of Object.keys(direct.checks))
      expect(text.stdout).toMatch(new RegExp(`^${check}\\s`, "m"));
  });

  it("as (mutex) it is not linearizable, and the summary names the op and the prefix", async () => {
    const run = await runBinary(["check", file, "--model", "mutex"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/op #\d+ \((acquire|release).*\) cannot be linearized/);
    expect(run.stdout).toMatch(/longest linearizable prefix: \d+ ops?/);
  });
});
