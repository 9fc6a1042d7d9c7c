// Live tests of faults aimed at `@holder` through record() on redis-single, each read back from the history:
// - clock@holder: the client that held the lock at the fault's start has its Date.now() moved by the jump
//   (reported by a test adapter with every acquire and renew), the other clients' do not move, and after the
//   reset it is back;
// - partition@holder: the holder is cut off from the server: none of its lock calls completes ok during the
//   partition while another client's do, and after the heal it completes calls again;
// - loss@holder: the holder's link is lossy: many of its lock calls are slow or lost, another client's are
//   not, and after the heal it completes quick calls again.
// Every run must end with its ledger closed and nothing outstanding (no rule, offset file or process left).

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadHistory } from "../../histories/load.js";
import type { History, Op } from "../../histories/op.js";
import { readLedgers } from "../../nemesis/ledger.js";
import { type RecordOptions, record } from "../../runner/record.js";
import { canRunLive, useRecordStateDir } from "./live-fixture.js";

const TTL_MS = 1_000;
const JUMP_MS = 10_000;
const LOCK_FS = new Set(["acquire", "renew", "release", "owner"]);
const { dir, stateDir } = useRecordStateDir("lsm-holder-faults-");

/** The client (c<i>) an op belongs to: from its owner, or from the process's other ops. */
function clientsByProcess(history: History): Map<string, string> {
  const out = new Map<string, string>();
  for (const op of history) {
    const owner = (op.value as { owner?: unknown } | null)?.owner;
    if (op.process !== "nemesis" && typeof owner === "string")
      out.set(String(op.process), owner.split("-")[0]);
  }
  return out;
}

/** Lock calls as invoke/completion pairs, with their client. */
interface Call {
  client: string;
  f: string;
  invoke: Op;
  done: Op;
}

function lockCalls(history: History): Call[] {
  const who = clientsByProcess(history);
  const open = new Map<string, Op>();
  const calls: Call[] = [];
  for (const op of history) {
    if (op.process === "nemesis" || !LOCK_FS.has(op.f)) continue;
    const p = String(op.process);
    if (op.type === "invoke") open.set(p, op);
    else {
      const inv = open.get(p);
      open.delete(p);
      if (inv) calls.push({ client: who.get(p) ?? "?", f: op.f, invoke: inv, done: op });
    }
  }
  return calls;
}

/**
 * Who held `key` while the nemesis resolved `@holder` (between the fault's invoke and its ok): the holder at
 * the invoke (its last ok acquire, with no release begun since), and whoever acquired it ok until the ok.
 */
function holdersDuring(history: History, from: number, to: number, key: string): Set<string> {
  const who = clientsByProcess(history);
  let held: { client: string; process: string } | undefined;
  const out = new Set<string>();
  for (const op of history.slice(0, to)) {
    if (op.index === from && held) out.add(held.client);
    if (op.key !== key || op.process === "nemesis") continue;
    const p = String(op.process);
    if (op.f === "acquire" && op.type === "ok") {
      held = { client: who.get(p) ?? "?", process: p };
      if (op.index > from) out.add(held.client);
    } else if (held?.process === p && ((op.f === "release" && op.type === "invoke") || op.type === "info"))
      held = undefined;
  }
  return out;
}

/** Each start of `fault` (its ok op) with the invoke and ok of its stop. */
function windows(history: History, fault: string, stopF: string) {
  const out: Array<{ startInvoke: Op; start: Op; stopInvoke: Op; stop: Op; target: string }> = [];
  let startInvoke: Op | undefined;
  let start: Op | undefined;
  let stopInvoke: Op | undefined;
  for (const op of history) {
    if (op.process !== "nemesis") continue;
    if (op.f === fault && op.type === "invoke") startInvoke = op;
    else if (startInvoke && op.f === fault && op.type === "ok") start = op;
    else if (start && op.f === stopF && op.type === "invoke") stopInvoke = op;
    else if (start && stopInvoke && op.f === stopF && op.type === "ok") {
      const targets = (start.value as { targets?: string[] } | null)?.targets ?? [];
      out.push({ startInvoke: startInvoke!, start, stopInvoke, stop: op, target: targets[0] ?? "" });
      start = undefined;
      stopInvoke = undefined;
    }
  }
  return out;
}

async function run(name: string, opts: Partial<RecordOptions>) {
  const log: string[] = [];
  const result = await record({
    lock: "redis-single",
    clients: 3,
    keys: 1,
    ttlMs: TTL_MS,
    durationS: 12.5,
    outDir: join(dir, name),
    seed: 5,
    nemesisIntervalS: 2.5,
    log: (l) => log.push(l),
    ...opts,
  });
  const { history } = await loadHistory(result.summary.historyPath);
  const ledger = readLedgers(stateDir).find((l) => l.runId === result.runId);
  return { history, ledger, context: `seed ${result.seed}\n${log.join("\n")}` };
}

const latencyMs = (c: Call) => (c.done.time - c.invoke.time) / 1e6;
const ADAPTER = fileURLToPath(new URL("./holder-clock-adapter.ts", import.meta.url));

describe.skipIf(!canRunLive)("faults aimed at @holder, through record() on redis-single", () => {
  it("clock@holder moves the holder's Date.now() by the jump, nobody else's, and the reset brings it back", async () => {
    const { history, ledger, context } = await run("clock", {
      lock: ADAPTER,
      clients: 2,
      nemesis: "clock@holder",
      nemesisOptions: { clockDirection: "forward", clockJumpMs: { min: JUMP_MS, max: JUMP_MS } },
    });
    const jumps = windows(history, "clock", "clock-reset");
    expect(jumps.length, context).toBeGreaterThanOrEqual(1); // two are scheduled; a slow run may end before the second heals
    // the client's wall clock minus the runner's clock at each ok acquire/renew: a constant, but for a jump
    const skews = lockCalls(history)
      .filter(
        (c) =>
          c.done.type === "ok" && typeof (c.done.value as { clientNow?: unknown })?.clientNow === "number",
      )
      .map((c) => ({ ...c, skew: (c.done.value as { clientNow: number }).clientNow - c.done.time / 1e6 }));
    const before = skews.filter((s) => s.done.index < jumps[0].start.index).map((s) => s.skew);
    expect(before.length, context).toBeGreaterThan(0);
    const base = before.sort((a, b) => a - b)[Math.floor(before.length / 2)];
    for (const w of jumps) {
      const where = `${context}\njump at index ${w.start.index} on ${w.target}`;
      expect((w.start.value as { jumpMs?: number }).jumpMs, where).toBe(JUMP_MS);
      expect([...holdersDuring(history, w.startInvoke.index, w.start.index, "k0")], where).toContain(
        w.target,
      );
      const inside = skews.filter((s) => s.done.index > w.start.index && s.invoke.index > w.start.index);
      const during = inside.filter((s) => s.done.index < w.stopInvoke.index);
      const holder = during.filter((s) => s.client === w.target).map((s) => s.skew - base);
      const others = during.filter((s) => s.client !== w.target).map((s) => s.skew - base);
      expect(holder.length, where).toBeGreaterThan(0);
      console.log(
        `clock@holder ${w.target}: holder skew ${holder.map((d) => d.toFixed(0)).join(", ")} ms; others ${others.map((d) => d.toFixed(0)).join(", ")} ms`,
      );
      for (const d of holder) expect(Math.abs(d - JUMP_MS), `${where}\nholder skew ${d}`).toBeLessThan(1_000);
      for (const d of others) expect(Math.abs(d), `${where}\nother skew ${d}`).toBeLessThan(1_000);
      // after the reset, the holder's clock is back
      const after = skews.find((s) => s.client === w.target && s.invoke.index > w.stop.index);
      expect(after, where).toBeDefined();
      expect(Math.abs(after!.skew - base), where).toBeLessThan(1_000);
    }
    expect(ledger?.closed).toBe(true);
    expect(ledger?.outstanding).toEqual([]);
  }, 180_000);

  it("partition@holder cuts the holder off: no lock call of it completes ok meanwhile, another client's do; healed after", async () => {
    const { history, ledger, context } = await run("partition", { nemesis: "partition@holder" });
    const cuts = windows(history, "partition", "heal");
    expect(cuts.length, context).toBeGreaterThanOrEqual(1); // two are scheduled; a slow run may end before the second heals
    const calls = lockCalls(history);
    for (const w of cuts) {
      const victim = (w.start.value as { shape?: string }).shape?.replace(/^isolate client /, "") ?? "";
      const where = `${context}\npartition at index ${w.start.index} of ${victim}`;
      expect([...holdersDuring(history, w.startInvoke.index, w.start.index, "k0")], where).toContain(victim);
      const during = calls.filter(
        (c) => c.invoke.index > w.start.index && c.invoke.index < w.stopInvoke.index,
      );
      const mine = during.filter((c) => c.client === victim);
      // its calls made during the partition: none completes ok before the heal begins
      expect(
        mine.filter((c) => c.done.type === "ok" && c.done.index < w.stopInvoke.index),
        where,
      ).toEqual([]);
      // and the partition did stop it: a call of its started meanwhile is lost (info) or outlasts the heal
      expect(
        mine.some((c) => c.done.type === "info" || c.done.index > w.stopInvoke.index),
        where,
      ).toBe(true);
      // another client's calls complete ok during the partition (it takes the lock once the TTL is up)
      const others = during.filter(
        (c) => c.client !== victim && c.done.type === "ok" && c.done.index < w.stopInvoke.index,
      );
      console.log(
        `partition@holder ${victim}: its calls ${mine.map((c) => `${c.f}:${c.done.type}`).join(" ")}; others' ok calls ${others.length}`,
      );
      expect(others.length, where).toBeGreaterThan(0);
      expect(
        others.some((c) => c.f === "acquire"),
        where,
      ).toBe(true);
      // healed: the victim completes a lock call ok after the heal
      expect(
        calls.some((c) => c.client === victim && c.invoke.index > w.stop.index && c.done.type === "ok"),
        where,
      ).toBe(true);
    }
    expect(ledger?.closed).toBe(true);
    expect(ledger?.outstanding).toEqual([]);
  }, 180_000);

  it("loss@holder makes the holder's link lossy: its calls are slow or lost, another client's are not; healed after", async () => {
    const { history, ledger, context } = await run("loss", {
      nemesis: "loss@holder",
      nemesisOptions: { lossProbability: 0.7 },
      durationS: 22.5, // four loss windows: the slow share is judged over all of them (below)
    });
    const losses = windows(history, "loss", "heal-loss");
    expect(losses.length, context).toBeGreaterThanOrEqual(3); // four are scheduled; a slow run may end before the last heals
    const calls = lockCalls(history);
    const slow = (c: Call) => c.done.type === "info" || latencyMs(c) >= 200;
    const share = (cs: Call[]) => cs.filter(slow).length / Math.max(1, cs.length);
    const holderCalls: Call[] = [];
    const otherCalls: Call[] = [];
    for (const w of losses) {
      const where = `${context}\nloss at index ${w.start.index} on ${w.target}`;
      expect((w.start.value as { probability?: number }).probability, where).toBe(0.7);
      expect([...holdersDuring(history, w.startInvoke.index, w.start.index, "k0")], where).toContain(
        w.target,
      );
      const during = calls.filter(
        (c) => c.invoke.index > w.start.index && c.invoke.index < w.stopInvoke.index,
      );
      const mine = during.filter((c) => c.client === w.target);
      const others = during.filter((c) => c.client !== w.target);
      holderCalls.push(...mine);
      const figures = `${where}\nholder: ${mine.filter(slow).length}/${mine.length} slow or lost; others: ${others.filter(slow).length}/${others.length}`;
      console.log(figures.slice(figures.lastIndexOf("loss at")));
      expect(mine.length, figures).toBeGreaterThan(0);
      expect(others.filter((c) => c.done.type === "ok").length, figures).toBeGreaterThan(0);
      otherCalls.push(...others);
      // healed: the holder completes a quick lock call after the heal
      expect(
        calls.some(
          (c) =>
            c.client === w.target &&
            c.invoke.index > w.stop.index &&
            c.done.type === "ok" &&
            latencyMs(c) < 100,
        ),
        figures,
      ).toBe(true);
    }
    // Each of the holder's calls is slow when its one reply is dropped (p = 0.7: the resend waits for the
    // 200 ms minimum RTO), so its slow count is about Binomial(n, 0.7), with n = 3 to 10 per window. One
    // window is too few calls to judge (a bound of 0.5 per window failed in CI with 3/10; with 3 calls, none
    // is slow 2.7% of the time), so the shares are pooled: over three or four windows (n >= 12), a share
    // under 0.3 has a chance under 0.2%.
    const pooled = `${context}\nover all windows: holder ${holderCalls.filter(slow).length}/${holderCalls.length} slow or lost; others ${otherCalls.filter(slow).length}/${otherCalls.length}`;
    expect(share(holderCalls), pooled).toBeGreaterThanOrEqual(0.3);
    expect(share(otherCalls), pooled).toBeLessThan(share(holderCalls) / 2);
    expect(ledger?.closed).toBe(true);
    expect(ledger?.outstanding).toEqual([]);
  }, 180_000);
});
