// Hosts of a run: names within the kernel's limits and derived from the run; loopback hosts get distinct
// free ports; namespace hosts reach each other and the runner (root namespace) reaches them, and the
// runner's address on the bridge is reachable from a host; destroy leaves no namespace, veth or bridge.

import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  chooseSubnet,
  type Host,
  HostNetwork,
  namespacesPossible,
  run,
  runNames,
} from "../../nemesis/hosts.js";
import { Ledger } from "../../nemesis/ledger.js";
import { spawnOnHost, waitUntil } from "../../nemesis/processes.js";

describe("run names", () => {
  it("interface names fit in 15 characters and differ between runs", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 60 }),
        fc.integer({ min: 0, max: 250 }),
        (runId, i) => {
          const n = runNames(runId);
          expect(n.bridge.length).toBeLessThanOrEqual(15);
          expect(n.vethRoot(i).length).toBeLessThanOrEqual(15);
          expect(n.vethPeer(i).length).toBeLessThanOrEqual(15);
          expect(n.netns(i)).toContain(n.tag);
        },
      ),
    );
    expect(runNames("run-1").bridge).not.toBe(runNames("run-2").bridge);
  });
});

describe("subnet choice", () => {
  it("is stable per run and skips /24s this machine already uses", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 30 }), (runId) => {
        const first = chooseSubnet(runId, "default via 172.16.0.1 dev eth0\n10.0.0.0/8 dev tun0");
        expect(first).toMatch(/^10\.(1\d\d)\.\d+$/);
        expect(chooseSubnet(runId, "")).toBe(first); // a /8 route does not block a more specific /24
        const second = chooseSubnet(runId, `${first}.0/24 dev br0 proto kernel`);
        expect(second).not.toBe(first);
        const [, x, y] = first.split(".").map(Number);
        const wide = `10.${x}.${y & 0xf0}.0/20 via 10.1.1.1`;
        const third = chooseSubnet(runId, wide);
        expect(third).not.toBe(first);
        expect(chooseSubnet(runId, `inet ${first}.7/24 brd ${first}.255`)).not.toBe(first);
      }),
      { numRuns: 200 },
    );
  });
});

function tempLedger(label: string): { ledger: Ledger; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), `lsm-${label}-`));
  return { dir, ledger: new Ledger(`t-${label}-${process.pid}-${Date.now()}`, dir) };
}

describe("loopback hosts", () => {
  it("share 127.0.0.1 and get distinct free ports", async () => {
    const { ledger, dir } = tempLedger("lo");
    const net = await HostNetwork.create({ runId: ledger.runId, ledger, mode: "loopback" });
    try {
      const a = await net.addHost("a");
      const b = await net.addHost("b");
      expect(a.address).toBe("127.0.0.1");
      expect(a.netns).toBeUndefined();
      const ports = [
        await net.allocatePort(a, 2379),
        await net.allocatePort(a, 2379),
        await net.allocatePort(b, 2379),
      ];
      expect(new Set(ports).size).toBe(3);
      for (const p of ports) expect(p).toBeGreaterThanOrEqual(20_000);
      await expect(net.addHost("a")).rejects.toThrow(/already exists/);
    } finally {
      await net.destroy();
      ledger.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A TCP echo server on `host` (node -e), answering on its address. */
async function echoServer(ledger: Ledger, host: Host, port: number) {
  const code = `require('net').createServer((s) => s.pipe(s)).listen(${port}, '${host.address}', () => process.send('up'))`;
  const proc = await spawnOnHost(host, [process.execPath, "-e", code], {
    ledger,
    name: `echo-${host.name}`,
    ipc: true,
  });
  await new Promise((resolve) => proc.child.once("message", resolve));
  return proc;
}

/** From the root namespace: connect, send, read the echo. */
function echoFromRoot(address: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ host: address, port, timeout: 2_000 }, () => s.write("ping"));
    s.once("data", (d) => {
      resolve(d.toString());
      s.destroy();
    });
    s.once("error", reject);
    s.once("timeout", () => reject(new Error("timeout")));
  });
}

/** From inside a host: connect to address:port, exit 0 if the echo comes back. */
async function echoFromHost(
  ledger: Ledger,
  from: Host,
  address: string,
  port: number,
): Promise<number | null> {
  const code = `const s=require('net').createConnection({host:'${address}',port:${port}},()=>s.write('hi'));s.on('data',()=>process.exit(0));s.on('error',()=>process.exit(3));setTimeout(()=>process.exit(4),3000)`;
  const p = await spawnOnHost(from, [process.execPath, "-e", code], { ledger, name: `probe-${from.name}` });
  return (await p.exited).code;
}

describe.skipIf(!namespacesPossible())("namespace hosts", () => {
  const { ledger, dir } = tempLedger("ns");
  let net: HostNetwork;
  let a: Host;
  let b: Host;

  beforeAll(async () => {
    net = await HostNetwork.create({ runId: ledger.runId, ledger, mode: "netns" });
    a = await net.addHost("a");
    b = await net.addHost("b");
  });
  afterAll(async () => {
    await net.destroy();
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("have their own addresses in the run's /24, with the runner at .1", () => {
    expect(net.mode).toBe("netns");
    expect(net.runnerAddress).toMatch(/^10\.\d+\.\d+\.1$/);
    const prefix = net.runnerAddress.replace(/\.1$/, ".");
    expect(a.address.startsWith(prefix) && b.address.startsWith(prefix)).toBe(true);
    expect(a.address).not.toBe(b.address);
    expect(a.netns).not.toBe(b.netns);
  });

  it("the runner reaches a host, hosts reach each other, and a host reaches the runner", async () => {
    const server = await echoServer(ledger, a, 7000);
    try {
      expect(await echoFromRoot(a.address, 7000)).toBe("ping");
      expect(await echoFromHost(ledger, b, a.address, 7000)).toBe(0);
      // loopback inside the namespace works, and is the host's own
      expect(await echoFromHost(ledger, a, "127.0.0.1", 7000)).toBe(3); // listening on a.address only
      const rootServer = createServer((s) => s.pipe(s));
      await new Promise<void>((r) => rootServer.listen(0, net.runnerAddress, r));
      const port = (rootServer.address() as { port: number }).port;
      try {
        expect(await echoFromHost(ledger, b, net.runnerAddress, port)).toBe(0);
      } finally {
        rootServer.close();
      }
    } finally {
      await server.kill();
    }
  });

  it("destroy removes every namespace, veth and the bridge of the run", async () => {
    const { ledger: l2, dir: d2 } = tempLedger("ns2");
    const n2 = await HostNetwork.create({ runId: l2.runId, ledger: l2, mode: "netns" });
    await n2.addHost("x");
    await n2.addHost("y");
    const names = runNames(l2.runId);
    expect(await run("ip", ["netns", "list"])).toContain(names.netns(0));
    expect(await run("ip", ["-o", "link", "show"])).toContain(names.bridge);
    await n2.destroy();
    await waitUntil(
      async () => !(await run("ip", ["netns", "list"])).includes(names.tag),
      5_000,
      "namespaces gone",
    );
    expect(await run("ip", ["-o", "link", "show"])).not.toContain(names.tag);
    expect(l2.outstanding()).toEqual([]);
    l2.close();
    rmSync(d2, { recursive: true, force: true });
  });
});
