// A TCP proxy of the project's own, for the delay fault where the kernel has no `tc netem` (DESIGN.md
// section 7). It listens on an address of the run, forwards every connection to one target, and can, at
// runtime, delay data by a latency plus random jitter (keeping byte order), reset a random share of
// connections (loss, as a TCP stream cannot lose bytes and live), or reset all of them.
// It lives inside the runner process, so it cannot outlive the run; `close()` ends every connection.
// It must never listen on 0.0.0.0 or reorder the bytes of a connection.

import { createConnection, createServer, type Server, type Socket } from "node:net";

export interface ProxyFaults {
  /** Added to every chunk forwarded in a delayed direction. */
  latencyMs: number;
  /** Up to this much more, uniformly at random, per chunk (order is kept). */
  jitterMs: number;
  /** Which way data is delayed: from the client ("up"), from the target ("down"), or both. */
  direction: "up" | "down" | "both";
  /** Per chunk, the probability that the connection is reset (a lossy link, as TCP sees it). */
  resetProbability: number;
}

/** A proxy that only passes traffic on (how a proxy starts, and what healing sets). */
export const NO_FAULTS: ProxyFaults = { latencyMs: 0, jitterMs: 0, direction: "down", resetProbability: 0 };

export interface ProxyOptions {
  /** Where to listen (an address of the run) and on which port (0: any free port). */
  listen: { address: string; port?: number };
  target: { address: string; port: number };
  /** Random source (default Math.random); a schedule passes its seeded one. */
  random?: () => number;
}

export class DelayProxy {
  private faults: ProxyFaults = { ...NO_FAULTS };
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  private readonly random: () => number;
  private connectionsSeen = 0;
  private resets = 0;

  private constructor(
    private readonly server: Server,
    readonly address: string,
    readonly port: number,
    private targetNow: { address: string; port: number },
    random: () => number,
  ) {
    this.random = random;
  }

  static start(opts: ProxyOptions): Promise<DelayProxy> {
    if (opts.listen.address === "0.0.0.0" || opts.listen.address === "::")
      throw new Error("the proxy listens only on an address of the run, never on all interfaces");
    let proxy: DelayProxy | undefined;
    const server = createServer((client) => proxy?.accept(client));
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: opts.listen.address, port: opts.listen.port ?? 0, exclusive: true }, () => {
        const addr = server.address();
        if (!addr || typeof addr === "string") return reject(new Error("proxy has no TCP address"));
        proxy = new DelayProxy(
          server,
          opts.listen.address,
          addr.port,
          opts.target,
          opts.random ?? Math.random,
        );
        resolve(proxy);
      });
    });
  }

  /** Where new connections go now. */
  get target(): { address: string; port: number } {
    return { ...this.targetNow };
  }

  /**
   * Sends new connections to another server and resets the open ones (a virtual address moving to a
   * promoted replica). Returns how many connections were reset.
   */
  retarget(target: { address: string; port: number }): number {
    this.targetNow = { ...target };
    return this.resetAll();
  }

  get endpoint(): string {
    return `${this.address}:${this.port}`;
  }

  /** Changes the faults; applies to data forwarded from now on. */
  set(faults: Partial<ProxyFaults>): void {
    const next = { ...this.faults, ...faults };
    if (next.latencyMs < 0 || next.jitterMs < 0) throw new Error("latency and jitter must be >= 0");
    if (next.resetProbability < 0 || next.resetProbability > 1)
      throw new Error("reset probability must be in [0, 1]");
    this.faults = next;
  }

  /** Back to a clean pass-through. */
  heal(): void {
    this.faults = { ...NO_FAULTS };
  }

  current(): ProxyFaults {
    return { ...this.faults };
  }

  stats(): { connections: number; open: number; resets: number } {
    return { connections: this.connectionsSeen, open: this.pairs.size, resets: this.resets };
  }

  /** Resets every open connection (clients see ECONNRESET and must reconnect). */
  resetAll(): number {
    const n = this.pairs.size;
    for (const p of [...this.pairs]) this.reset(p);
    return n;
  }

  /** Stops listening and ends every connection. */
  close(): Promise<void> {
    this.resetAll();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private reset(pair: { client: Socket; upstream: Socket }): void {
    if (!this.pairs.delete(pair)) return;
    this.resets++;
    pair.client.resetAndDestroy();
    pair.upstream.resetAndDestroy();
  }

  private accept(client: Socket): void {
    this.connectionsSeen++;
    client.setNoDelay(true);
    const upstream = createConnection({ host: this.targetNow.address, port: this.targetNow.port });
    upstream.setNoDelay(true);
    const pair = { client, upstream };
    this.pairs.add(pair);
    const end = () => {
      if (!this.pairs.delete(pair)) return;
      client.destroy();
      upstream.destroy();
    };
    this.pipe(client, upstream, "up", pair, end);
    this.pipe(upstream, client, "down", pair, end);
  }

  private pipe(
    from: Socket,
    to: Socket,
    way: "up" | "down",
    pair: { client: Socket; upstream: Socket },
    end: () => void,
  ): void {
    // one FIFO per direction, drained by one timer: chunks leave in arrival order, each no earlier than due
    const queue: Array<{ chunk: Buffer; due: number }> = [];
    let timer: NodeJS.Timeout | undefined;
    let ended = false;
    const finish = () => {
      if (queue.length === 0 && ended) to.end();
    };
    const drain = () => {
      timer = undefined;
      const now = performance.now();
      while (queue.length > 0 && queue[0].due <= now) {
        const { chunk } = queue.shift()!;
        if (!to.destroyed) to.write(chunk);
      }
      if (queue.length > 0) timer = setTimeout(drain, Math.max(1, Math.ceil(queue[0].due - now)));
      else finish();
    };
    to.on("close", () => {
      // nowhere to deliver to any more: drop what waits and stop the timer
      if (timer) clearTimeout(timer);
      timer = undefined;
      queue.length = 0;
    });
    from.on("data", (chunk: Buffer) => {
      const f = this.faults;
      if (f.resetProbability > 0 && this.random() < f.resetProbability) return this.reset(pair);
      const delayed = f.direction === "both" || f.direction === way;
      const wait = delayed ? f.latencyMs + this.random() * f.jitterMs : 0;
      if (wait <= 0 && queue.length === 0) {
        to.write(chunk);
        return;
      }
      const last = queue.length > 0 ? queue[queue.length - 1].due : 0;
      queue.push({ chunk, due: Math.max(last, performance.now() + wait) });
      timer ??= setTimeout(drain, Math.max(1, Math.ceil(queue[0].due - performance.now())));
    });
    from.on("end", () => {
      ended = true;
      finish();
    });
    from.on("error", end);
    from.on("close", () => {
      if (queue.length === 0) end();
    });
  }
}
