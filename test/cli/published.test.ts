// End to end on published data: every row of ../shared/data/porcupine/expected.tsv and knossos/expected.tsv
// goes through `locksmith check` and must give the verdict the data's own tool asserts, with the matching
// exit code (kv rows both partitioned and with --no-partition). All rows run through the CLI's main in this
// process; a sample of them also through the real binary.

import { describe, expect, it } from "vitest";
import { type BenchCase, publishedCases } from "../../checker/bench/cases.js";
import { DATA_DIR, runBinary, runInProcess } from "./check-run.js";

const cases = publishedCases(DATA_DIR);

function argsFor(c: BenchCase, json: boolean): string[] {
  const args = ["check", c.file!, "--model", c.model];
  if (c.init !== undefined) args.push("--init", c.init);
  if (!c.partition) args.push("--no-partition");
  if (json) args.push("--json");
  return args;
}

describe("published histories through locksmith check", () => {
  it("reads every row of both expected.tsv files (52 etcd logs, 8 kv rows, 66 knossos rows)", () => {
    expect(cases.filter((c) => c.group === "etcd")).toHaveLength(52);
    expect(cases.filter((c) => c.group === "kv")).toHaveLength(8);
    expect(cases.filter((c) => c.group === "knossos")).toHaveLength(66);
    expect(cases.filter((c) => c.group === "kv" && !c.partition)).toHaveLength(4);
  });

  it.each(cases.map((c) => [c.id, c] as const))("%s", async (_id, c) => {
    const run = await runInProcess(argsFor(c, true));
    expect(run.stderr).not.toMatch(/crashed/);
    const report = JSON.parse(run.stdout) as { valid: unknown; elapsedMs: number; partitions: unknown[] };
    expect(report.valid).toBe(c.expected);
    expect(run.code).toBe(c.expected ? 0 : 1);
    expect(typeof report.elapsedMs).toBe("number");
    if (c.model === "kv" && c.partition) expect(report.partitions.length).toBeGreaterThan(1);
    if (!c.partition) expect(report.partitions).toHaveLength(1);
  });
});

describe("a sample through the real binary (dist/cli/bin.js)", () => {
  const sample = [
    "porcupine/jepsen/etcd_002.log",
    "porcupine/jepsen/etcd_000.log",
    "porcupine/kv/c01-bad.txt --no-partition",
    "porcupine/kv/c10-ok.txt",
    "knossos/cas-register/bad/cas-failure.edn (cas-register nil)",
    "knossos/multi-register/good/multi-register.edn (multi-register {:x 0 :y 0})",
    "knossos/mutex/bad/etcd.edn (mutex)",
  ];

  it.each(sample)("%s gives the expected verdict and exit code as JSON", async (id) => {
    const c = cases.find((x) => x.id === id);
    expect(c, `no case ${id}`).toBeDefined();
    const run = await runBinary(argsFor(c!, true));
    expect(run.stderr).not.toMatch(/crashed|\n\s+at /);
    expect(JSON.parse(run.stdout).valid).toBe(c!.expected);
    expect(run.code).toBe(c!.expected ? 0 : 1);
  });

  it("prints a human summary with the counterexample in words for an invalid history", async () => {
    const c = cases.find((x) => x.id === "knossos/cas-register/bad/bad-analysis.edn (cas-register 0)")!;
    const run = await runBinary(argsFor(c, false));
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/INVALID/);
    expect(run.stdout).toMatch(/op #\d+ \(.+\) cannot be linearized/);
    expect(run.stdout).toMatch(/longest linearizable prefix: \d+ op/);
    expect(run.stdout).toMatch(/checked in [\d.]+ m?s/);
  });

  it("prints a short summary for a valid history", async () => {
    const c = cases.find((x) => x.id === "porcupine/jepsen/etcd_080.log")!;
    const run = await runBinary(argsFor(c, false));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/valid \(linearizable\)/);
    expect(run.stdout).toMatch(/\d+ operations \(\d+ history entries\) in 1 partition/);
    expect(run.stdout).not.toMatch(/counterexample/);
  });
});
