// Test helper: fast-check arbitraries for well-behaved lock histories (sequential holders, fenced writes to a
// set, on-time releases, final reads), and a renderer that can plant one fault (an overlapping section, a
// lost add, a stale token accepted, a write after the lease end) and says which ops prove it. Test code only.

import fc from "fast-check";
import type { History } from "../../../histories/op.js";
import { type Call, HistoryBuilder } from "./history-builder.js";

export interface SectionPlan {
  client: number;
  key: string;
  /** Durations (ms) of: acquire, renew (0: no renew), read, write, release, and the think time after. */
  steps: [number, number, number, number, number, number];
  /** Another client tries to acquire (and fails: held) during the section. */
  contender: boolean;
}

export interface Plan {
  ttlMs: number;
  /** Whether the resource rejects tokens below the highest it has accepted. */
  fenced: boolean;
  sections: SectionPlan[];
}

export type Fault =
  /** Another owner's whole section between A's read and A's write; with pauseMs, A first stalls ttl + pauseMs. */
  | { kind: "overlap"; at: number; pauseMs?: number }
  | { kind: "lost-add"; at: number }
  | { kind: "stale-token"; at: number }
  | { kind: "late-write"; at: number; pauseMs: number };

export interface SectionIds {
  owner: string;
  key: string;
  acquire: Call;
  renew?: Call;
  read: Call;
  write: Call;
  release: Call;
  token: bigint;
  added: number;
  /** Invocation times (ms) needed for the lease arithmetic. */
  acquireAt: number;
  renewAt?: number;
  writeAt: number;
}

export interface Rendered {
  history: History;
  sections: SectionIds[];
  /** The section a fault inserted (the intruder of an overlap). */
  intruder?: SectionIds;
  finals: Map<string, Call>;
}

const duration = fc.integer({ min: 1, max: 20 });

export const sectionArb: fc.Arbitrary<SectionPlan> = fc.record({
  client: fc.integer({ min: 0, max: 3 }),
  key: fc.constantFrom("a", "b"),
  steps: fc.tuple(duration, fc.oneof(fc.constant(0), duration), duration, duration, duration, duration),
  contender: fc.boolean(),
});

export const planArb: fc.Arbitrary<Plan> = fc.record({
  ttlMs: fc.integer({ min: 500, max: 5000 }),
  fenced: fc.boolean(),
  sections: fc.array(sectionArb, { minLength: 2, maxLength: 12 }),
});

interface Resource {
  state: number[];
  highest: bigint;
}

/** Render a plan as a history, with at most one planted fault. */
export function render(plan: Plan, fault?: Fault): Rendered {
  const h = new HistoryBuilder();
  const resources = new Map<string, Resource>();
  const tokens = new Map<string, bigint>();
  const sections: SectionIds[] = [];
  let intruder: SectionIds | undefined;
  let now = 0;
  let element = 0;
  let leaseNo = 0;

  const resource = (key: string) => {
    let r = resources.get(key);
    if (!r) {
      r = { state: [], highest: -1n };
      resources.set(key, r);
    }
    return r;
  };
  const nextToken = (key: string) => {
    const t = (tokens.get(key) ?? 100n) + 1n;
    tokens.set(key, t);
    return t;
  };

  const acquire = (s: SectionPlan, owner: string) => {
    const token = nextToken(s.key);
    const at = now;
    const call = h.acquire(
      s.client,
      owner,
      [now, now + s.steps[0]],
      plan.ttlMs,
      { token: String(token) },
      s.key,
    );
    now += s.steps[0] + 1;
    return { token, at, call };
  };
  const read = (s: SectionPlan, owner: string, token: bigint) => {
    const r = resource(s.key);
    const result = [...r.state];
    const call = h.call({
      process: s.client,
      f: "res-read",
      key: s.key,
      at: [now, now + s.steps[2]],
      input: { resource: "set", owner, token: String(token) },
      output: { resource: "set", owner, token: String(token), result },
    });
    now += s.steps[2] + 1;
    return { call, result };
  };
  const write = (s: SectionPlan, owner: string, base: number[], wireToken: bigint) => {
    const r = resource(s.key);
    const added = element++;
    const value = [...base, added].sort((x, y) => x - y);
    const rejected = plan.fenced && wireToken < r.highest;
    const input = { resource: "set", owner, token: String(wireToken), write: value, added };
    const at = now;
    const call = h.call({
      process: s.client,
      f: "res-write",
      key: s.key,
      at: [now, now + s.steps[3]],
      input,
      ...(rejected
        ? {
            type: "fail" as const,
            error: "stale-token",
            output: { ...input, highestToken: String(r.highest) },
          }
        : {}),
    });
    if (!rejected) {
      r.state = value;
      if (wireToken > r.highest) r.highest = wireToken;
    }
    now += s.steps[3] + 1;
    return { call, added, at };
  };
  for (let i = 0; i < plan.sections.length; i++) {
    const s = plan.sections[i];
    const owner = `c${s.client}-${leaseNo++}`;
    const acq = acquire(s, owner);
    let renew: Call | undefined;
    let renewAt: number | undefined;
    if (s.steps[1] > 0) {
      renewAt = now;
      renew = h.call({
        process: s.client,
        f: "renew",
        key: s.key,
        at: [now, now + s.steps[1]],
        input: { owner, ttlMs: plan.ttlMs },
      });
      now += s.steps[1] + 1;
    }
    const rd = read(s, owner, acq.token);
    if (s.contender) {
      const c = (s.client + 2) % 4;
      h.call({
        process: c,
        f: "acquire",
        key: s.key,
        at: [now, now + 1],
        input: { owner: `c${c}-try${i}`, ttlMs: plan.ttlMs },
        type: "fail",
        error: "held",
      });
      now += 2;
    }
    if (fault?.kind === "overlap" && fault.at === i) {
      now += fault.pauseMs === undefined ? 0 : plan.ttlMs + fault.pauseMs;
      const other: SectionPlan = { ...s, client: (s.client + 1) % 4 };
      const otherOwner = `c${other.client}-${leaseNo++}`;
      const oAcq = acquire(other, otherOwner);
      const oRead = read(other, otherOwner, oAcq.token);
      const oWrite = write(other, otherOwner, oRead.result, oAcq.token);
      const oRelease = releaseOn(
        h,
        other,
        otherOwner,
        () => now,
        (d) => (now += d),
      );
      intruder = {
        owner: otherOwner,
        key: s.key,
        acquire: oAcq.call,
        read: oRead.call,
        write: oWrite.call,
        release: oRelease,
        token: oAcq.token,
        added: oWrite.added,
        acquireAt: oAcq.at,
        writeAt: oWrite.at,
      };
    }
    if (fault?.kind === "late-write" && fault.at === i) now += plan.ttlMs + fault.pauseMs;
    let wireToken = acq.token;
    if (fault?.kind === "stale-token" && fault.at === i) {
      const previous = [...sections].reverse().find((p) => p.key === s.key);
      if (previous) wireToken = previous.token - 1n;
    }
    const wr = write(s, owner, rd.result, wireToken);
    const rel = releaseOn(
      h,
      s,
      owner,
      () => now,
      (d) => (now += d),
    );
    now += s.steps[5];
    const ids: SectionIds = {
      owner,
      key: s.key,
      acquire: acq.call,
      read: rd.call,
      write: wr.call,
      release: rel,
      token: acq.token,
      added: wr.added,
      acquireAt: acq.at,
      writeAt: wr.at,
    };
    if (renew) ids.renew = renew;
    if (renewAt !== undefined) ids.renewAt = renewAt;
    sections.push(ids);
  }

  const finals = new Map<string, Call>();
  const lostAdd = fault?.kind === "lost-add" ? sections[fault.at] : undefined;
  now += 100;
  for (const [key, r] of resources) {
    const result = r.state.filter((x) => !(lostAdd && lostAdd.key === key && x === lostAdd.added));
    finals.set(key, h.finalRead([now, now + 1], result, "set", key)); // one process: one read at a time
    now += 2;
  }
  const out: Rendered = { history: h.build(), sections, finals };
  if (intruder) out.intruder = intruder;
  return out;
}

function releaseOn(
  h: HistoryBuilder,
  s: SectionPlan,
  owner: string,
  now: () => number,
  advance: (d: number) => void,
) {
  const call = h.call({
    process: s.client,
    f: "release",
    key: s.key,
    at: [now(), now() + s.steps[4]],
    input: { owner },
  });
  advance(s.steps[4] + 1);
  return call;
}
