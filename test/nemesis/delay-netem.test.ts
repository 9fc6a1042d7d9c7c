// The `tc netem` path of the delay fault, as far as this machine allows: the exact argument arrays it would
// run (delay with jitter, loss, removal on the interface it was set on), and the probe's verdict here. This
// kernel has no netem qdisc, so the commands themselves cannot run; the probe must say so plainly.
import { describe, expect, it } from "vitest";
import { netemDelayArgs, netemDeleteArgs, netemSupport } from "../../nemesis/delay.js";
import { findIp, namespacesPossible } from "../../nemesis/hosts.js";

describe("tc netem commands", () => {
  it("delay with jitter on the host's interface, in its namespace, as one argument array", () => {
    expect(netemDelayArgs("ls-ab12-etcd1", "eth0", { latencyMs: 50, jitterMs: 10 })).toEqual([
      "netns",
      "exec",
      "ls-ab12-etcd1",
      "tc",
      "qdisc",
      "replace",
      "dev",
      "eth0",
      "root",
      "netem",
      "delay",
      "50ms",
      "10ms",
    ]);
  });

  it("adds loss as a percentage, and a heal is delay 0 (replace keeps it idempotent)", () => {
    expect(
      netemDelayArgs("ns1", "veth-x", { latencyMs: 100, jitterMs: 0, resetProbability: 0.3 }).slice(7),
    ).toEqual(["veth-x", "root", "netem", "delay", "100ms", "0ms", "loss", "30%"]);
    expect(
      netemDelayArgs("ns1", "eth0", { latencyMs: 0, jitterMs: 0, resetProbability: 0 }).slice(-3),
    ).toEqual(["delay", "0ms", "0ms"]);
  });

  it("removal names the same namespace and interface", () => {
    expect(netemDeleteArgs("ns1", "veth-x")).toEqual([
      "netns",
      "exec",
      "ns1",
      "tc",
      "qdisc",
      "del",
      "dev",
      "veth-x",
      "root",
    ]);
  });

  it("never interpolates: a hostile name stays one argument", () => {
    const args = netemDelayArgs("ns; rm -rf /", "eth0", { latencyMs: 1 });
    expect(args[2]).toBe("ns; rm -rf /");
  });
});

describe.skipIf(!namespacesPossible() || !findIp())("the netem probe on this machine", () => {
  it("answers once with a reason; on a kernel without netem it says so", async () => {
    const probe = await netemSupport();
    expect(typeof probe.ok).toBe("boolean");
    expect(probe.why.length).toBeGreaterThan(0);
    if (!probe.ok) expect(probe.why).toMatch(/no netem qdisc|needs root/);
    expect(await netemSupport()).toBe(probe);
  });
});
