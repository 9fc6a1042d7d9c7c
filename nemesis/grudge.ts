// Partition shapes (Jepsen's): a grudge maps each host to the hosts whose packets it drops. Pure functions
// over host names, with the randomness passed in, so a schedule replays from its seed.
// It must never touch the network; nemesis/partition.ts applies a grudge.

/** host -> the hosts it drops packets from. */
export type Grudge = Map<string, Set<string>>;

export type Rng = () => number;

/** Every node drops packets from every node outside its own component. */
export function completeGrudge(components: string[][]): Grudge {
  const all = components.flat();
  const g: Grudge = new Map();
  for (const comp of components) {
    for (const node of comp) g.set(node, new Set(all.filter((n) => !comp.includes(n))));
  }
  return g;
}

export function shuffle<T>(items: readonly T[], rng: Rng): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** One node cut off from all the others. */
export function isolate(nodes: readonly string[], target: string): Grudge {
  if (!nodes.includes(target)) throw new Error(`cannot isolate ${target}: not one of ${nodes.join(", ")}`);
  return completeGrudge([[target], nodes.filter((n) => n !== target)]);
}

/** Two random halves (the first one the smaller when the count is odd). */
export function randomHalves(nodes: readonly string[], rng: Rng): Grudge {
  const s = shuffle(nodes, rng);
  const cut = Math.floor(s.length / 2);
  return completeGrudge([s.slice(0, cut), s.slice(cut)]);
}

/**
 * Majorities ring: nodes in a random ring; each sees the majority of nodes centred on itself and drops the
 * rest, so every node is in a majority, but no two majorities agree.
 */
export function majoritiesRing(nodes: readonly string[], rng: Rng): Grudge {
  const ring = shuffle(nodes, rng);
  const n = ring.length;
  const m = Math.floor(n / 2) + 1;
  const g: Grudge = new Map();
  ring.forEach((node, i) => {
    const seen = new Set<string>();
    const start = i - Math.floor((m - 1) / 2);
    for (let k = 0; k < m; k++) seen.add(ring[(((start + k) % n) + n) % n]);
    g.set(node, new Set(ring.filter((x) => !seen.has(x))));
  });
  return g;
}

/** Two halves that cannot see each other, and one node in the middle that sees both. */
export function bridge(nodes: readonly string[], rng: Rng): Grudge {
  const s = shuffle(nodes, rng);
  const mid = Math.floor(s.length / 2);
  const left = s.slice(0, mid);
  const middle = s[mid];
  const right = s.slice(mid + 1);
  const g: Grudge = new Map();
  for (const a of left) g.set(a, new Set(right));
  for (const b of right) g.set(b, new Set(left));
  g.set(middle, new Set());
  return g;
}

/** `to` drops packets from `from` only: traffic from `from` to `to` is lost, the other way still flows. */
export function oneWay(from: string, to: string): Grudge {
  return new Map([[to, new Set([from])]]);
}

/** Each client and each server drop one another: clients cannot reach servers, servers keep their quorum. */
export function clientsFromServers(clients: readonly string[], servers: readonly string[]): Grudge {
  const g: Grudge = new Map();
  for (const c of clients) g.set(c, new Set(servers));
  for (const s of servers) g.set(s, new Set(clients));
  return g;
}

/** A readable summary: "n1 x {n2,n3}; n2 x {n1}" (who drops whom). */
export function describeGrudge(g: Grudge): string {
  return [...g]
    .filter(([, s]) => s.size > 0)
    .map(([n, s]) => `${n} drops {${[...s].sort().join(",")}}`)
    .join("; ");
}
