// Spawning on a host: the process is in the ledger before it exists and its pid right after; exit is learnt
// from the exit event; kill and stop act on the exact pid; an IPC channel reaches a Node worker; in a
// namespace the pid is the program's own (ip netns exec execs in place).

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostNetwork, namespacesPossible } from "../../nemesis/hosts.js";
import { Ledger } from "../../nemesis/ledger.js";
import { readProcState, readStartTicks, spawnOnHost, waitUntil } from "../../nemesis/processes.js";

const cmd0 = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0];

const modes = namespacesPossible() ? (["loopback", "netns"] as const) : (["loopback"] as const);

describe.each(modes)("spawnOnHost (%s)", (mode) => {
  let dir: string;
  let ledger: Ledger;
  let net: HostNetwork;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "lsm-proc-"));
    ledger = new Ledger(`t-proc-${mode}-${process.pid}-${Date.now()}`, dir);
    net = await HostNetwork.create({ runId: ledger.runId, ledger, mode });
  });
  afterAll(async () => {
    await net.destroy();
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("ledgers before spawning, learns the pid, and marks the exit", async () => {
    const host = await net.addHost("p1");
    const proc = await spawnOnHost(host, [process.execPath, "-e", "setInterval(() => {}, 1000)"], {
      ledger,
      name: "sleeper",
    });
    const lines = readFileSync(ledger.path, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const create = lines.find((l) => l.op === "create" && l.resource.name === "sleeper");
    const update = lines.find((l) => l.op === "update" && l.of === create.seq);
    expect(create.resource.pid).toBe(0);
    expect(update.resource.pid).toBe(proc.pid);
    expect(update.resource.startTicks).toBe(readStartTicks(proc.pid));
    // the pid becomes the program itself (ip netns exec execs in place), with the same start time
    await waitUntil(async () => cmd0(proc.pid) === process.execPath, 5_000, "the program to exec");
    expect(readStartTicks(proc.pid)).toBe(update.resource.startTicks);
    expect(readFileSync(`/proc/${proc.pid}/environ`, "latin1")).toContain(
      `LOCKSMITH_TAG=${create.resource.tag}`,
    );
    expect(proc.running).toBe(true);
    expect(proc.signal("SIGSTOP")).toBe(true);
    await waitUntil(async () => readProcState(proc.pid) === "T", 2_000, "the process to stop");
    const exit = await proc.stop(2_000); // SIGCONT + SIGTERM
    expect(exit.signal).toBe("SIGTERM");
    expect(proc.running).toBe(false);
    expect(proc.signal("SIGKILL")).toBe(false);
    expect(ledger.outstanding().some((o) => o.handle === create.seq)).toBe(false);
  });

  it("kill: SIGKILL by pid, even when the program ignores SIGTERM", async () => {
    const host = await net.addHost("p2");
    const proc = await spawnOnHost(
      host,
      [
        process.execPath,
        "-e",
        "process.on('SIGTERM', () => {}); process.send('ready'); setInterval(() => {}, 1000)",
      ],
      { ledger, name: "stubborn", ipc: true },
    );
    await new Promise((resolve) => proc.child.once("message", resolve));
    const exit = await proc.stop(300);
    expect(exit.signal).toBe("SIGKILL");
  });

  it("an ipc channel reaches a Node worker on the host", async () => {
    const host = await net.addHost("p3");
    const proc = await spawnOnHost(
      host,
      [process.execPath, "-e", "process.on('message', (m) => process.send({ echo: m, pid: process.pid }))"],
      { ledger, name: "echo", ipc: true },
    );
    const reply = new Promise<{ echo: unknown; pid: number }>((resolve) =>
      proc.child.once("message", resolve as never),
    );
    proc.child.send({ hello: 1 });
    const got = await reply;
    expect(got).toEqual({ echo: { hello: 1 }, pid: proc.pid });
    await proc.kill();
    expect(proc.exit?.signal).toBe("SIGKILL");
  });

  it("ownProcessGroup puts the program in a group of its own; by default it shares the runner's", async () => {
    const host = await net.addHost("p5");
    const pgid = (pid: number) => {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
    };
    const argv = [process.execPath, "-e", "setInterval(() => {}, 1000)"];
    const own = await spawnOnHost(host, argv, { ledger, name: "own", ownProcessGroup: true });
    const shared = await spawnOnHost(host, argv, { ledger, name: "shared" });
    try {
      expect(pgid(own.pid)).toBe(own.pid);
      expect(pgid(shared.pid)).toBe(pgid(process.pid));
    } finally {
      await own.kill();
      await shared.kill();
    }
  });

  it("a program that cannot start is rejected and leaves no ledger entry", async () => {
    const host = await net.addHost("p4");
    const before = ledger.outstanding().length;
    if (mode === "loopback") {
      await expect(spawnOnHost(host, ["/nonexistent/program"], { ledger, name: "ghost" })).rejects.toThrow(
        /could not start/,
      );
    } else {
      // ip itself starts, then fails to exec: the exit event removes the entry
      const p = await spawnOnHost(host, ["/nonexistent/program"], { ledger, name: "ghost" });
      const exit = await p.exited;
      expect(exit.code).not.toBe(0);
    }
    expect(ledger.outstanding().length).toBe(before);
  });
});
