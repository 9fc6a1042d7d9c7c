// Properties of the partition shapes: who can talk to whom.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  bridge,
  clientsFromServers,
  type Grudge,
  isolate,
  majoritiesRing,
  oneWay,
  randomHalves,
} from "../../nemesis/grudge.js";

const nodesArb = fc.integer({ min: 3, max: 9 }).map((n) => Array.from({ length: n }, (_, i) => `n${i + 1}`));
const rngArb = fc.integer().map((seed) => {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
});

/** a and b can talk both ways. */
const talks = (g: Grudge, a: string, b: string) => !g.get(a)?.has(b) && !g.get(b)?.has(a);
const seenBy = (g: Grudge, nodes: string[], a: string) => nodes.filter((b) => b === a || talks(g, a, b));

describe("partition shapes", () => {
  it("isolate cuts exactly one node from all others", () => {
    fc.assert(
      fc.property(nodesArb, (nodes) => {
        const g = isolate(nodes, nodes[0]);
        for (const b of nodes.slice(1)) expect(talks(g, nodes[0], b)).toBe(false);
        for (const a of nodes.slice(1)) for (const b of nodes.slice(1)) expect(talks(g, a, b)).toBe(true);
      }),
    );
  });

  it("random halves: two sides, no link across, and the larger side is a majority", () => {
    fc.assert(
      fc.property(nodesArb, rngArb, (nodes, rng) => {
        const g = randomHalves(nodes, rng);
        const sizes = nodes.map((n) => seenBy(g, nodes, n).length);
        expect(Math.max(...sizes)).toBe(Math.ceil(nodes.length / 2));
        expect(Math.min(...sizes)).toBe(Math.floor(nodes.length / 2));
      }),
    );
  });

  it("majorities ring: every node sees a majority and no two nodes see the same set", () => {
    fc.assert(
      fc.property(
        nodesArb.filter((n) => n.length >= 4),
        rngArb,
        (nodes, rng) => {
          const g = majoritiesRing(nodes, rng);
          const majority = Math.floor(nodes.length / 2) + 1;
          const views = new Set<string>();
          for (const n of nodes) {
            const dropped = g.get(n)!;
            expect(nodes.length - dropped.size).toBe(majority);
            views.add([...dropped].sort().join());
          }
          expect(views.size).toBe(nodes.length);
        },
      ),
    );
  });

  it("bridge: one node talks to everyone, the two sides do not talk", () => {
    fc.assert(
      fc.property(nodesArb, rngArb, (nodes, rng) => {
        const g = bridge(nodes, rng);
        const hubs = nodes.filter((n) => seenBy(g, nodes, n).length === nodes.length);
        expect(hubs.length).toBe(1);
        const others = nodes.filter((n) => n !== hubs[0]);
        const cut = others.filter((a) => others.some((b) => !talks(g, a, b)));
        expect(cut.length).toBe(others.length);
      }),
    );
  });

  it("one-way drops only one direction; client/server cuts only across", () => {
    const g = oneWay("a", "b");
    expect(g.get("b")?.has("a")).toBe(true);
    expect(g.get("a")?.has("b") ?? false).toBe(false);
    const cs = clientsFromServers(["c1", "c2"], ["s1", "s2"]);
    expect(talks(cs, "c1", "s2")).toBe(false);
    expect(talks(cs, "c1", "c2")).toBe(true);
    expect(talks(cs, "s1", "s2")).toBe(true);
  });
});
