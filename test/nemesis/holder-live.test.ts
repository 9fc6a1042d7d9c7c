import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { check } from "../../checker/check.js";
import { loadHistory } from "../../histories/load.js";
import type { History, Op } from "../../histories/op.js";
import { getModel } from "../../models/index.js";
import { readLedgers } from "../../nemesis/ledger.js";
import { record } from "../../runner/record.js";
import { canRunLive, useRecordStateDir } from "./live-fixture.js";

const TTL_MS = 1_000;
const { dir, stateDir } = useRecordStateDir("lsm-holder-live-");

const ownerOf = (op: Op) => (op.value as { owner?: unknown } | null)?.owner;
/** The client (c<i>) an op belongs to, from the owner the workload gives every lock call and access. */
const clientOf = (op: Op) => {
  const owner = ownerOf(op);
  return typeof owner === "string" ? owner.split("-")[0] : undefined;
};

/** By the history up to index `at`: who holds `key` (its last ok acquire, with no release begun since). */
function holderAt(history: History, at: number, key: string): { client: string; acquire: Op } | undefined {
  let held: { client: string; acquire: Op; owner: unknown } | undefined;
  const invokes = new Map<string, Op>();
  for (const op of history.slice(0, at)) {
    if (op.key !== key) continue;
    if (op.type === "invoke") invokes.set(String(op.process), op);
    if (op.f === "acquire" && op.type === "ok") {
      const inv = invokes.get(String(op.process)) ?? op;
      held = { client: clientOf(op) ?? "", acquire: inv, owner: ownerOf(op) };
    } else if (held && ownerOf(op) === held.owner && (op.f === "release" || op.type === "info"))
      held = undefined;
  }
  return held && { client: held.client, acquire: held.acquire };
}

interface HolderPause {
  pause: Op;
  resumeInvoke: Op;
  resume: Op;
  target: string;
}

function holderPauses(history: History): HolderPause[] {
  const out: HolderPause[] = [];
  let open: { pause: Op; target: string } | undefined;
  let resumeInvoke: Op | undefined;
  for (const op of history) {
    if (op.process !== "nemesis") continue;
    const v = op.value as { holder?: string; targets?: string[]; op?: string; fault?: string } | null;
    if (op.type === "ok" && op.f === "client-pause" && v?.op === "pause") {
      expect(v.holder).toBe("provider"); // @holder goes through the holder book, not the mid-section gate
      open = { pause: op, target: v.targets?.[0] ?? "" };
    } else if (open && op.f === "resume" && op.type === "invoke") resumeInvoke = op;
    else if (open && resumeInvoke && op.f === "resume" && op.type === "ok") {
      out.push({ ...open, resumeInvoke, resume: op });
      open = undefined;
      resumeInvoke = undefined;
    }
  }
  return out;
}

describe.skipIf(!canRunLive)("client-pause@holder through record(), redis-single", () => {
  it("pauses the client that held the lock at the fault's start; another client acquires after the TTL; its ops stall until resume", async () => {
    const log: string[] = [];
    const result = await record({
      lock: "redis-single",
      clients: 3,
      keys: 1,
      ttlMs: TTL_MS,
      durationS: 12.5,
      outDir: join(dir, "run"),
      seed: 3,
      nemesis: "client-pause@holder",
      nemesisIntervalS: 2.5,
      log: (l) => log.push(l),
    });
    const context = `seed ${result.seed}\n${log.join("\n")}`;
    const { history } = await loadHistory(result.summary.historyPath);
    const pauses = holderPauses(history);
    expect(pauses.length, context).toBe(2); // pauses at 2.5 s and 7.5 s, final heal at 10 s

    for (const p of pauses) {
      const where = `${context}\npause at index ${p.pause.index} of ${p.target}`;
      // the target is the holder of k0 by the history at the fault's start
      const held = holderAt(history, p.pause.index, "k0");
      expect(held?.client, where).toBe(p.target);
      if (!held) continue;
      expect((p.resume.value as { takenOver?: boolean }).takenOver, where).toBe(true);

      // another client acquires k0 while the holder is paused, no sooner than a TTL after the holder's acquire
      const takeovers = history.filter(
        (op) =>
          op.f === "acquire" &&
          op.type === "ok" &&
          op.key === "k0" &&
          op.index > p.pause.index &&
          op.index < p.resumeInvoke.index &&
          clientOf(op) !== p.target,
      );
      expect(takeovers.length, where).toBeGreaterThan(0);
      expect(takeovers[0].time - held.acquire.time, where).toBeGreaterThanOrEqual((TTL_MS - 5) * 1e6);

      // nothing the paused client invokes after the pause completes before the resume (a reply already on its
      // way when the process stopped may still arrive), and one of its ops invoked before the resume stalls
      // until after it
      const invokes = new Map<string, Op>();
      const completedWhilePaused: Op[] = [];
      let stalled = 0;
      for (const op of history) {
        if (op.process === "nemesis" || clientOf(op) !== p.target) continue;
        if (op.type === "invoke") {
          invokes.set(String(op.process), op);
          continue;
        }
        const inv = invokes.get(String(op.process));
        invokes.delete(String(op.process));
        if (!inv) continue;
        if (inv.index > p.pause.index && op.index < p.resumeInvoke.index) completedWhilePaused.push(op);
        // invoked before the resume (at any point of the pause: the holder may have been asleep in its
        // section's think time or past its lease when stopped), completed only after it
        if (inv.index < p.resumeInvoke.index && op.index > p.resumeInvoke.index) stalled++;
      }
      expect(completedWhilePaused, where).toEqual([]);
      expect(stalled, where).toBeGreaterThan(0);
    }

    // the lock service was right throughout
    const verdict = check(history, getModel("lease-lock"), { timeLimitMs: 60_000 });
    expect(verdict.valid, context).toBe(true);
    const ledger = readLedgers(stateDir).find((l) => l.runId === result.runId);
    expect(ledger?.closed).toBe(true);
    expect(ledger?.outstanding).toEqual([]);
  }, 180_000);
});
