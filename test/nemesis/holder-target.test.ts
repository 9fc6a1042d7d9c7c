// Faults aimed at `@holder`, without servers: every fault that can act on a client resolves `holder` through
// the runner's provider (who holds a lock now, or the next client to acquire one) and acts on exactly that
// client; a paused holder is resumed only once another client took its lock (or at the deadline); faults that
// act on servers only say so; server clock jumps and the failover's promote land just after an acquire.
import { describe, expect, it } from "vitest";
import type { ClockControl } from "../../nemesis/clock.js";
import type { LinkDelay } from "../../nemesis/delay.js";
import {
  clientPauseFault,
  clockFault,
  DEFAULT_FAULT_OPTIONS,
  delayFault,
  killFault,
  lossFault,
  type NemesisContext,
  partitionFault,
  serverPauseFault,
} from "../../nemesis/faults.js";
import type { Grudge } from "../../nemesis/grudge.js";
import type { Host } from "../../nemesis/hosts.js";
import type { Partitioner } from "../../nemesis/partition.js";
import type { Pauser } from "../../nemesis/pause.js";
import { type NemesisTopology, NoTargetError } from "../../nemesis/targets.js";
import { HolderBook } from "../../runner/holders.js";

const host = (name: string): Host => ({ name, address: `10.9.0.${name.length}`, netns: `ns-${name}` });

/** A run of 3 clients (pids 100+i) and 2 Redis servers, with a holder book as the runner keeps one. */
function fakeRun(opts: { nextAcquire?: boolean } = {}) {
  const book = new HolderBook();
  const paused = new Set<number>();
  const events: string[] = [];
  const pauser = {
    pause: (pid: number) => {
      paused.add(pid);
      events.push(`pause ${pid}`);
      return true;
    },
    resume: (pid: number) => {
      paused.delete(pid);
      events.push(`resume ${pid}`);
      return 1;
    },
  } as unknown as Pauser;
  const clients = [0, 1, 2].map((i) => ({ name: `c${i}`, host: host(`c${i}`), pid: 100 + i }));
  const servers = ["redis-primary", "redis-replica"].map((name) => ({
    name,
    host: host(name),
    port: 6379,
    pid: 50,
    running: true,
    kill: async () => events.push(`kill ${name}`),
    restart: async () => {},
  }));
  const topology: NemesisTopology = {
    system: "redis",
    servers,
    clients,
    holder: (key) => {
      const i = book.holder(key);
      return i === undefined ? undefined : `c${i}`;
    },
    holdings: (name) => book.keysOf(Number(name.slice(1))),
    nextAcquire:
      opts.nextAcquire === false
        ? undefined
        : async (ms, signal) => {
            const a = await book.nextAcquire(ms, signal);
            return a && { name: `c${a.index}`, key: a.key };
          },
  };
  const grudges: Grudge[] = [];
  const losses: string[][] = [];
  const partitioner = {
    partition: async (g: Grudge) => {
      grudges.push(g);
    },
    unpartition: async () => {},
    loss: async (hosts: string[]) => {
      losses.push(hosts);
    },
    unloss: async () => {},
  } as unknown as Partitioner;
  const jumps: string[] = [];
  const clock = {
    jump: (h: Host, ms: number) => jumps.push(`${h.name} ${ms}`),
    strobe: (h: Host) => jumps.push(`${h.name} strobe`),
    reset: (h: Host) => jumps.push(`${h.name} reset`),
  } as unknown as ClockControl;
  const delay = { mechanism: "proxy", targets: () => ["redis-primary"] } as unknown as LinkDelay;
  const ctx: NemesisContext = {
    topology,
    rng: () => 0.1,
    pauser,
    partitioner,
    clock,
    delay,
    options: { ...DEFAULT_FAULT_OPTIONS, clockDirection: "forward" },
  };
  return { book, ctx, paused, events, grudges, losses, jumps };
}

describe("faults aimed at @holder", () => {
  it("client-pause@holder pauses the client holding a lock; resumes it once another client acquired", async () => {
    const run = fakeRun();
    run.book.note(1, "acquire", "k0", "ok");
    const active = await clientPauseFault.start(run.ctx, "holder");
    expect(active.value).toMatchObject({ targets: ["c1"], pids: [101], holder: "provider", keys: ["k0"] });
    expect([...run.paused]).toEqual([101]);
    let stopped = false;
    const stop = active.stop().then((v) => {
      stopped = true;
      return v;
    });
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false); // nobody else holds k0 yet: the holder stays paused
    run.book.note(2, "acquire", "k1", "ok"); // another key: not a takeover
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    run.book.note(0, "acquire", "k0", "ok");
    expect(await stop).toMatchObject({ targets: ["c1"], takenOver: true });
    expect(run.paused.size).toBe(0);
  });

  it("when nobody holds a lock, @holder waits for the next acquire and targets that client", async () => {
    const run = fakeRun();
    const starting = clientPauseFault.start(run.ctx, "holder");
    await new Promise((r) => setImmediate(r));
    expect(run.paused.size).toBe(0);
    run.book.note(2, "acquire", "k0", "ok");
    const active = await starting;
    expect(active.value).toMatchObject({ targets: ["c2"], pids: [102] });
    run.book.note(0, "acquire", "k0", "ok");
    await active.stop();
  });

  it("an aborted run stops waiting for the takeover", async () => {
    const run = fakeRun();
    const ctl = new AbortController();
    run.ctx.signal = ctl.signal;
    run.book.note(0, "acquire", "k0", "ok");
    const active = await clientPauseFault.start(run.ctx, "holder");
    const stop = active.stop();
    ctl.abort();
    expect(await stop).toMatchObject({ targets: ["c0"], takenOver: false });
    expect(run.paused.size).toBe(0);
  });

  it("pause@holder (the server-pause fault) pauses the holder's client process too", async () => {
    const run = fakeRun();
    run.book.note(2, "acquire", "k0", "ok");
    const active = await serverPauseFault.start(run.ctx, "holder");
    expect(active.value).toMatchObject({ targets: ["c2"], pids: [102] });
    run.book.note(1, "acquire", "k0", "ok");
    await active.stop();
    expect(run.events).toEqual(["pause 102", "resume 102"]);
  });

  it("clock@holder jumps the holder's host clock at once (no wait for an acquire)", async () => {
    const run = fakeRun();
    run.book.note(1, "acquire", "k0", "ok");
    const active = await clockFault.start(run.ctx, "holder");
    expect(active.value).toMatchObject({ targets: ["c1"] });
    expect(active.value).not.toHaveProperty("lockedBy");
    expect(run.jumps).toHaveLength(1);
    expect(run.jumps[0]).toMatch(/^c1 \d+$/);
    await active.stop();
    expect(run.jumps[1]).toBe("c1 reset");
  });

  it("loss@holder and partition@holder act on the holder's host: lossy, and cut off from every server", async () => {
    const run = fakeRun();
    run.book.note(0, "acquire", "k0", "ok");
    const loss = await lossFault.start(run.ctx, "holder");
    expect(loss.value).toMatchObject({ targets: ["c0"] });
    expect(run.losses).toEqual([["c0"]]);
    const part = await partitionFault.start(run.ctx, "holder");
    expect(part.value).toMatchObject({ shape: "isolate client c0" });
    const g = run.grudges[0];
    expect([...(g.get("c0") ?? [])].sort()).toEqual(["redis-primary", "redis-replica"]);
    expect([...(g.get("redis-primary") ?? [])]).toEqual(["c0"]);
    expect(g.has("c1")).toBe(false);
  });

  it("kill and delay act on servers only and say so when aimed at the holder", async () => {
    const run = fakeRun();
    run.book.note(0, "acquire", "k0", "ok");
    await expect(killFault.start(run.ctx, "holder")).rejects.toThrow(NoTargetError);
    await expect(killFault.start(run.ctx, "holder")).rejects.toThrow(/acts on servers, not on client c0/);
    await expect(delayFault.start(run.ctx, "holder")).rejects.toThrow(/delay acts on servers/);
    expect(run.events.filter((e) => e.startsWith("kill"))).toEqual([]);
  });

  it("a server clock jump lands just after the next acquire, and says who held the lock then", async () => {
    const run = fakeRun();
    const starting = clockFault.start(run.ctx, "primary");
    await new Promise((r) => setImmediate(r));
    expect(run.jumps).toEqual([]); // waiting for a lock to be taken
    run.book.note(2, "acquire", "k0", "ok");
    const active = await starting;
    expect(run.jumps).toHaveLength(1);
    expect(run.jumps[0]).toMatch(/^redis-primary \d+$/);
    expect(active.value).toMatchObject({ targets: ["redis-primary"], lockedBy: "c2", lockedKey: "k0" });
  });

  it("without acquire reports (or with whileLocked off) a server clock jump does not wait", async () => {
    const run = fakeRun({ nextAcquire: false });
    const active = await clockFault.start(run.ctx, "primary");
    expect(active.value).not.toHaveProperty("lockedBy");
    const off = fakeRun();
    off.ctx.options = { ...off.ctx.options, whileLocked: false };
    expect((await clockFault.start(off.ctx, "primary")).value).not.toHaveProperty("lockedBy");
  });
});
