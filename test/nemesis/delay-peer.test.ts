// The peer-link fronts without servers: the provisioner's hook exists only for runs whose nemesis has delay
// (no extra hop otherwise), a link takes the worse setting of its two ends in both directions, and the DNAT
// rule leaves the helper's own connections alone (by its uid) as an argument array.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { HostNetwork } from "../../nemesis/hosts.js";
import type { Ledger } from "../../nemesis/ledger.js";
import { linkFaults, peerDnatArgs, peerLinkHook, wantsPeerLinks } from "../../nemesis/peer-links.js";
import { PEER_PROXY_UID, peerProxyArgv } from "../../nemesis/peer-proxy-protocol.js";

const ledger = { runId: "r1" } as unknown as Ledger;

describe("peer-link hook", () => {
  it("is there only when the faults include delay (or all)", () => {
    expect(wantsPeerLinks("delay")).toBe(true);
    expect(wantsPeerLinks("kill, delay@leader")).toBe(true);
    expect(wantsPeerLinks("all")).toBe(true);
    expect(wantsPeerLinks(["pause", "delay"])).toBe(true);
    expect(wantsPeerLinks("kill,pause,partition,loss,clock")).toBe(false);
    expect(wantsPeerLinks("delayed")).toBe(false);
    expect(peerLinkHook(ledger, "kill,pause")).toBeUndefined();
    expect(peerLinkHook(ledger, undefined)).toBeUndefined();
    expect(peerLinkHook(ledger, "delay")).toBeTypeOf("function");
  });

  it("does nothing on loopback hosts (no namespaces to put rules in)", async () => {
    const hook = peerLinkHook(ledger, "delay")!;
    const network = { mode: "loopback", runId: "r1" } as unknown as HostNetwork;
    const host = { name: "etcd1", address: "127.0.0.1" };
    await expect(
      hook(network, [
        { name: "etcd1", host, peerPort: 1 },
        { name: "etcd2", host, peerPort: 2 },
      ]),
    ).resolves.toBeUndefined();
  });
});

describe("linkFaults", () => {
  it("a link with neither end set is a clean pass-through", () => {
    expect(linkFaults(undefined, undefined)).toEqual({
      latencyMs: 0,
      jitterMs: 0,
      direction: "both",
      resetProbability: 0,
    });
  });

  it("takes the slower end, delays both directions, and is symmetric", () => {
    const end = fc.option(
      fc.record({
        latencyMs: fc.nat(1000),
        jitterMs: fc.nat(100),
        resetProbability: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
      { nil: undefined },
    );
    fc.assert(
      fc.property(end, end, (a, b) => {
        const f = linkFaults(a, b);
        expect(f.direction).toBe("both");
        const total = (x?: { latencyMs: number; jitterMs: number }) => (x ? x.latencyMs + x.jitterMs : 0);
        expect(f.latencyMs + f.jitterMs).toBe(Math.max(total(a), total(b)));
        expect(f.resetProbability).toBe(Math.max(a?.resetProbability ?? 0, b?.resetProbability ?? 0));
        const g = linkFaults(b, a);
        expect(g.latencyMs + g.jitterMs).toBe(f.latencyMs + f.jitterMs);
      }),
    );
  });
});

describe("peerDnatArgs", () => {
  it("sends the member's connections to a peer to its helper, except the helper's own", () => {
    const args = peerDnatArgs(
      "LSMP-abc123",
      { to: "etcd2", address: "10.1.2.3", port: 23480 },
      { address: "10.1.2.2", port: 40001 },
    );
    expect(args).toEqual([
      "-t",
      "nat",
      "-A",
      "LSMP-abc123",
      "-p",
      "tcp",
      "-d",
      "10.1.2.3/32",
      "--dport",
      "23480",
      "-m",
      "owner",
      "!",
      "--uid-owner",
      String(PEER_PROXY_UID),
      "-j",
      "DNAT",
      "--to-destination",
      "10.1.2.2:40001",
    ]);
  });

  it("runs the helper with this Node (through tsx from the sources)", () => {
    const argv = peerProxyArgv();
    expect(argv[0]).toBe(process.execPath);
    expect(argv.at(-1)).toMatch(/peer-proxy-main\.ts$/);
  });
});
