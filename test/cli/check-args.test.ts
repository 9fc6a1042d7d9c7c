// `locksmith check` argument handling: unknown model, bad --init / --time-limit / --engine / --ttl /
// --epsilon, missing file, no model for a non-lock history -> exit 254 with a clear message (no stack);
// --init in EDN and JSON changes the verdict the way the initial value should.

import { afterAll, describe, expect, it } from "vitest";
import { type CliRun, DATA_DIR, makeTempDir, runBinary, runInProcess, STACK_FRAME } from "./check-run.js";

const tmp = makeTempDir("check-args");
afterAll(() => tmp.cleanup());

/** One read that returns nil: linearizable from nil, not from 0. */
const readNil = tmp.write(
  "read-nil.jsonl",
  [
    { index: 0, time: 10, process: 0, type: "invoke", f: "read", key: "r" },
    { index: 1, time: 20, process: 0, type: "ok", f: "read", key: "r", value: null },
  ]
    .map((o) => JSON.stringify(o))
    .join("\n"),
);

/** Two registers read as {x 0, y 0} by a multi-register txn (Knossos's format). */
const multi = tmp.write(
  "multi.edn",
  `[{:process 0, :type :invoke, :f :txn, :value [[:read :x nil] [:read :y nil]], :time 1}
 {:process 0, :type :ok, :f :txn, :value [[:read :x 0] [:read :y 0]], :time 2}]`,
);

/** A Porcupine KV log: Porcupine's format has no times at all. */
const untimedKv = tmp.write(
  "untimed-kv.txt",
  `{:process 0, :type :invoke, :f :put, :key "1", :value "a"}
{:process 0, :type :ok, :f :put, :key "1", :value "a"}
`,
);

/** A Knossos-style lock history without :time: lease-lock would check it on made-up times. */
const untimedLock = tmp.write(
  "untimed-lock.edn",
  `[{:process 0, :type :invoke, :f :acquire}
 {:process 0, :type :ok, :f :acquire}]`,
);

function expectBadArguments(run: CliRun, message: RegExp): void {
  expect(run.code).toBe(254);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(STACK_FRAME);
  expect(run.stdout).toBe("");
}

describe("locksmith check: histories without times", () => {
  it("says nothing about synthesized times for an order-only model", async () => {
    const run = await runInProcess(["check", untimedKv, "--model", "kv"]);
    expect(run.code).toBe(0);
    expect(run.stderr).not.toMatch(/no op has a time/);
  });

  it("warns that lease timings are meaningless when lease-lock reads made-up times", async () => {
    const asMutex = await runInProcess(["check", untimedLock, "--model", "mutex"]);
    expect(asMutex.stderr).not.toMatch(/no op has a time/);
    const asLease = await runInProcess(["check", untimedLock, "--model", "lease-lock", "--ttl", "1000"]);
    expect(asLease.stderr).toMatch(
      /untimed-lock\.edn: no op has a time: .*lease-lock's lease timings are meaningless/,
    );
  });
});

describe("locksmith check: arguments", () => {
  it("refuses an unknown model and lists the known ones", async () => {
    const run = await runInProcess(["check", readNil, "--model", "bogus"]);
    expectBadArguments(run, /unknown model "bogus"; known models: .*cas-register.*lease-lock/);
  });

  it("refuses an --init that is neither EDN nor JSON", async () => {
    const run = await runInProcess(["check", readNil, "--model", "register", "--init", "{:x"]);
    expectBadArguments(run, /--init: cannot read "\{:x" as an EDN or JSON value/);
  });

  it("refuses a missing file with its name", async () => {
    const run = await runInProcess(["check", `${tmp.dir}/nope.jsonl`, "--model", "register"]);
    expectBadArguments(run, /nope\.jsonl: no such file/);
  });

  it("refuses a directory", async () => {
    const run = await runInProcess(["check", tmp.dir, "--model", "register"]);
    expectBadArguments(run, /not a regular file/);
  });

  it.each([
    [["--time-limit", "-1"], /--time-limit must be a positive number/],
    [["--time-limit", "soon"], /--time-limit must be a positive number/],
    [["--engine", "gpu"], /--engine must be wasm, ts or auto/],
    [["--ttl", "0"], /--ttl must be a positive number/],
    [["--epsilon", "1.5"], /--epsilon must be a number in \[0, 1\)/],
    [["--nil-reads", "maybe"], /--nil-reads must be match-any or nil/],
    [["--frobnicate"], /unknown option/],
  ])("refuses %j", async (extra, message) => {
    const run = await runInProcess(["check", readNil, "--model", "register", ...(extra as string[])]);
    expectBadArguments(run, message as RegExp);
  });

  it("asks for --model when the history has no lock ops", async () => {
    const run = await runInProcess(["check", readNil]);
    expectBadArguments(run, /no lock ops in this history; say which model with --model/);
  });

  it("reports a file the model cannot read at its line", async () => {
    const bad = tmp.write(
      "cas-no-pair.jsonl",
      [
        { index: 0, time: 10, process: 0, type: "invoke", f: "write", value: 1 },
        { index: 1, time: 20, process: 0, type: "ok", f: "write", value: 1 },
        { index: 2, time: 30, process: 0, type: "invoke", f: "cas", value: 7 },
        { index: 3, time: 40, process: 0, type: "ok", f: "cas", value: 7 },
      ]
        .map((o) => JSON.stringify(o))
        .join("\n\n"),
    );
    const run = await runInProcess(["check", bad, "--model", "cas-register"]);
    // The cas invoke is the 3rd op, on line 5 (blank lines between ops).
    expectBadArguments(
      run,
      new RegExp(`^locksmith: ${bad.replace(/[.]/g, "\\.")}:5: .*cas needs the value \\[old, new\\]`, "m"),
    );
  });
});

describe("locksmith check: --init", () => {
  it.each([
    ["nil", 0],
    ["null", 0],
    ["0", 1],
  ])("--init %s on a read of nil exits %i", async (init, code) => {
    const run = await runInProcess(["check", readNil, "--model", "register", "--init", init, "--json"]);
    expect(run.code).toBe(code);
    expect(JSON.parse(run.stdout).valid).toBe(code === 0);
  });

  it.each(["{:x 0 :y 0}", '{"x": 0, "y": 0}'])(
    "multi-register --init %s: the registers start at 0",
    async (init) => {
      const run = await runInProcess(["check", multi, "--model", "multi-register", "--init", init, "--json"]);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout).valid).toBe(true);
    },
  );

  it("multi-register --init {:x 1 :y 0}: a read of x = 0 is not linearizable", async () => {
    const run = await runInProcess([
      "check",
      multi,
      "--model",
      "multi-register",
      "--init",
      "{:x 1 :y 0}",
      "--json",
    ]);
    expect(run.code).toBe(1);
  });

  it("--nil-reads nil makes a Knossos nil read mean nil (memstress3-1 is then invalid from 0)", async () => {
    const file = `${DATA_DIR}/knossos/cas-register/good/memstress3-1.edn`;
    const knossos = await runInProcess(["check", file, "--model", "cas-register", "--init", "0", "--json"]);
    const strict = await runInProcess([
      "check",
      file,
      "--model",
      "cas-register",
      "--init",
      "0",
      "--nil-reads",
      "nil",
      "--json",
    ]);
    expect(knossos.code).toBe(0);
    expect(strict.code).toBe(1);
  });
});

describe("locksmith check: the real binary", () => {
  it("exits 254 with one clear line for an unknown model", async () => {
    const run = await runBinary(["check", readNil, "--model", "bogus"]);
    expect(run.code).toBe(254);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/^locksmith: unknown model "bogus"/);
  });

  it("--json prints exactly one JSON object whose elapsedMs is the check alone", async () => {
    const run = await runBinary(["check", readNil, "--model", "register", "--json"]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]);
    expect(report.valid).toBe(true);
    expect(report.elapsedMs).toBeGreaterThanOrEqual(0);
    expect(report.elapsedMs).toBeLessThan(1000);
  });
});
