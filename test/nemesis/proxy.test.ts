// Unit test of the delay proxy on loopback: bytes arrive complete and in order under random jitter, every
// chunk waits at least the latency, faults switch at runtime, retarget moves new connections, and close ends
// everything.

import { createConnection, createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DelayProxy } from "../../nemesis/proxy.js";

function echoServer(tag: string): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer((s) => {
      s.on("error", () => {}); // the proxy resets connections on purpose
      s.on("data", (d) => s.write(`${tag}:${d}`));
    });
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      const a = server.address();
      resolve({ server, port: typeof a === "object" && a ? a.port : 0 });
    });
  });
}

function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ host: "127.0.0.1", port }, () => resolve(s));
    s.on("error", () => {}); // resets are part of the tests
    s.once("error", reject);
  });
}

/** Sends `msg` and resolves with the reply and the round trip in ms. */
function roundTrip(s: Socket, msg: string, expectLen: number): Promise<{ reply: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let buf = "";
    const on = (d: Buffer) => {
      buf += d;
      if (buf.length >= expectLen) {
        s.off("data", on);
        resolve({ reply: buf, ms: performance.now() - t0 });
      }
    };
    s.on("data", on);
    s.write(msg);
  });
}

describe("the delay proxy", () => {
  let a: { server: Server; port: number };
  let b: { server: Server; port: number };
  let proxy: DelayProxy;

  beforeAll(async () => {
    a = await echoServer("A");
    b = await echoServer("B");
    proxy = await DelayProxy.start({
      listen: { address: "127.0.0.1" },
      target: { address: "127.0.0.1", port: a.port },
    });
  });
  afterAll(async () => {
    await proxy.close();
    a.server.close();
    b.server.close();
  });

  it("refuses to listen on all interfaces", () => {
    expect(() =>
      DelayProxy.start({ listen: { address: "0.0.0.0" }, target: { address: "127.0.0.1", port: 1 } }),
    ).toThrow(/never on all interfaces/);
  });

  it("keeps byte order under jitter and delays every chunk by at least the latency", async () => {
    const s = await connect(proxy.port);
    proxy.set({ latencyMs: 15, jitterMs: 30, direction: "up" });
    const received: string[] = [];
    let buf = "";
    s.on("data", (d) => {
      buf += d;
    });
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) {
      s.write(`${String(i).padStart(3, "0")};`);
      await new Promise((r) => setTimeout(r, 1));
    }
    const deadline = Date.now() + 5_000;
    while (!buf.includes("099;") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const elapsed = performance.now() - t0;
    for (const m of buf.replaceAll("A:", "").split(";").filter(Boolean)) received.push(m);
    expect(received.join(",")).toBe(
      Array.from({ length: 100 }, (_, i) => String(i).padStart(3, "0")).join(","),
    );
    expect(elapsed).toBeGreaterThanOrEqual(15);
    const { ms } = await roundTrip(s, "x", 3);
    expect(ms).toBeGreaterThanOrEqual(15);
    proxy.heal();
    const fast = await roundTrip(s, "y", 3);
    expect(fast.ms).toBeLessThan(15);
    s.destroy();
  });

  it("retarget resets open connections and sends new ones to the new target", async () => {
    const s = await connect(proxy.port);
    expect((await roundTrip(s, "1", 3)).reply).toBe("A:1");
    const closed = new Promise((r) => s.once("close", r));
    expect(proxy.retarget({ address: "127.0.0.1", port: b.port })).toBeGreaterThanOrEqual(1);
    await closed;
    const s2 = await connect(proxy.port);
    expect((await roundTrip(s2, "2", 3)).reply).toBe("B:2");
    s2.destroy();
  });
});
