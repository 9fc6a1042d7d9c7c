// The runner's side of client workers, against a scripted adapter module (no servers): ok/fail/info
// recording, Jepsen's fresh process id after an unknown outcome, and a fresh worker after a missed
// deadline or a dead worker.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadHistory } from "../../histories/load.js";
import { HostNetwork } from "../../nemesis/hosts.js";
import { Ledger, readLedger } from "../../nemesis/ledger.js";
import { RunnerClient } from "../../runner/client.js";
import { RunClock } from "../../runner/clock.js";
import { Recorder } from "../../runner/recorder.js";
import { ProtectedResource } from "../../runner/resource.js";
import { WORKER_V8_FLAGS, WorkerProcess } from "../../runner/worker-process.js";

const dir = mkdtempSync(join(tmpdir(), "locksmith-client-test-"));
const fixture = resolve("test/runner/fixtures/scripted-lock.ts");
let ledger: Ledger;
let network: HostNetwork;
let recorder: Recorder;
let client: RunnerClient;
const started: WorkerProcess[] = [];

beforeAll(async () => {
  ledger = new Ledger(`client-test-${process.pid}-${Date.now()}`, join(dir, "state"));
  network = await HostNetwork.create({ runId: ledger.runId, ledger, mode: "loopback" });
  const host = await network.addHost("c0");
  const startWorker = async () => {
    const w = await WorkerProcess.start({
      host,
      ledger,
      name: "c0",
      lock: fixture,
      endpoints: {},
      baseDir: dir,
    });
    started.push(w);
    return w;
  };
  recorder = Recorder.open(join(dir, "history.jsonl"), new RunClock());
  let next = 1;
  client = new RunnerClient(0, 0, await startWorker(), {
    recorder,
    resource: new ProtectedResource(true),
    freshProcess: () => next++,
    startWorker,
    graceMs: 400,
  });
});

afterAll(async () => {
  await Promise.all(started.map((w) => w.kill()));
  await network.destroy();
  ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("RunnerClient with a worker process", () => {
  it("records ok with the adapter's facts, and fail without changing the process", async () => {
    const a = await client.lock(
      "acquire",
      "k",
      { owner: "o1", ttlMs: 1000 },
      { owner: "o1", ttlMs: 1000, timeoutMs: 500 },
    );
    expect(a.type).toBe("ok");
    expect(a.value).toMatchObject({ owner: "o1", ttlMs: 1000, token: "1" });
    expect(a.completeTime).toBeGreaterThanOrEqual(a.invokeTime);
    const b = await client.lock(
      "acquire",
      "k",
      { owner: "o2", ttlMs: 1000 },
      { owner: "o2", ttlMs: 1000, timeoutMs: 500 },
    );
    expect(b).toMatchObject({ type: "fail", error: "held" });
    const f = await client.lock("release", "fail", { owner: "o1" }, { owner: "o1", timeoutMs: 500 });
    expect(f).toMatchObject({ type: "fail", error: "scripted-fail" });
    expect(client.process).toBe(0);
  });

  it("runs the worker as its own Node process with the worker's V8 flags", () => {
    const argv = readFileSync(`/proc/${client.workerPid}/cmdline`, "utf8").split("\0");
    expect(client.workerPid).not.toBe(process.pid);
    expect(argv[0]).toBe(process.execPath);
    for (const flag of WORKER_V8_FLAGS) expect(argv).toContain(flag);
  });

  it("passes resource accesses through the worker and applies them in the runner", async () => {
    const w = await client.access("res-write", "k", "counter", "o1", "1", { value: 1 });
    expect(w.type).toBe("ok");
    const r = await client.access("res-read", "k", "counter", "o1", "1");
    expect(r.value).toMatchObject({ result: 1 });
    const stale = await client.access("res-write", "k", "counter", "o0", "0", { value: 2 });
    expect(stale).toMatchObject({ type: "fail", error: "stale-token" });
  });

  it("an unknown outcome retires the process id; the same worker carries on", async () => {
    const pid = client.workerPid;
    const r = await client.lock(
      "acquire",
      "throw",
      { owner: "o3", ttlMs: 1000 },
      { owner: "o3", ttlMs: 1000, timeoutMs: 500 },
    );
    expect(r).toMatchObject({ type: "info", error: "scripted-unknown" });
    expect(client.process).toBe(1);
    expect(client.workerPid).toBe(pid);
  });

  it("a missed deadline is info, with a fresh process id and a fresh worker", async () => {
    const pid = client.workerPid;
    const r = await client.lock(
      "acquire",
      "hang",
      { owner: "o4", ttlMs: 1000 },
      { owner: "o4", ttlMs: 1000, timeoutMs: 100 },
    );
    expect(r).toMatchObject({ type: "info", error: "timeout" });
    expect(client.process).toBe(2);
    expect(client.workerPid).not.toBe(pid);
    expect(client.restarts).toBe(1);
    const again = await client.lock("owner", "k", {}, { timeoutMs: 500 });
    expect(again.type).toBe("ok"); // the fresh worker has its own (empty) memory
    expect(again.value).toMatchObject({ owner: null });
  });

  it("a worker that dies mid-call is info, with a fresh process id and a fresh worker", async () => {
    const r = await client.lock(
      "acquire",
      "die",
      { owner: "o5", ttlMs: 1000 },
      { owner: "o5", ttlMs: 1000, timeoutMs: 2000 },
    );
    expect(r).toMatchObject({ type: "info", error: "worker-exited" });
    expect(client.process).toBe(3);
    expect(client.restarts).toBe(2);
  });

  it("leaves a history the reader accepts, with no process invoking after its info", async () => {
    await client.close();
    recorder.close();
    const { history } = await loadHistory(join(dir, "history.jsonl"));
    const infoProcesses = new Set(history.filter((op) => op.type === "info").map((op) => op.process));
    expect(infoProcesses).toEqual(new Set([0, 1, 2]));
    for (const p of infoProcesses) {
      const ops = history.filter((op) => op.process === p);
      expect(ops[ops.length - 1].type).toBe("info");
    }
    expect(history.every((op, i) => i === 0 || op.time >= history[i - 1].time)).toBe(true);
  });

  it("every worker is in the ledger and gone from it once it exited", async () => {
    await Promise.all(started.map((w) => w.kill()));
    expect(readLedger(ledger.path).outstanding.filter((o) => o.resource.kind === "process")).toEqual([]);
  });
});
