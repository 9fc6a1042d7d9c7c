// A client worker: one lock client in its own OS process (DESIGN.md section 6), driven by the runner over
// IPC (runner/worker-protocol.ts). It connects the adapter named in "init", calls it for each "lock"
// message and answers with ok / fail (DefiniteFailure) / info (anything else); resource accesses are
// echoed straight back so that they pass through this process. It must never retry, never decide what
// to do next on its own, and never stamp times: the runner does.

import { DefiniteFailure, type LockClient } from "../backends/adapter.js";
import { resolveLock } from "../backends/registry.js";
import type { FromWorker, ToWorker } from "./worker-protocol.js";

let client: LockClient | undefined;

function send(msg: FromWorker): void {
  process.send?.(msg);
}

async function callAdapter(msg: Extract<ToWorker, { type: "lock" }>): Promise<FromWorker> {
  const c = client;
  if (!c) return { type: "done", id: msg.id, outcome: "fail", error: "not-initialised" };
  const { key, owner = "", ttlMs = 0, timeoutMs } = msg.req;
  try {
    switch (msg.f) {
      case "acquire":
        return {
          type: "done",
          id: msg.id,
          outcome: "ok",
          value: await c.acquire({ key, owner, ttlMs, timeoutMs }),
        };
      case "renew":
        return {
          type: "done",
          id: msg.id,
          outcome: "ok",
          value: await c.renew({ key, owner, ttlMs, timeoutMs }),
        };
      case "release":
        await c.release({ key, owner, timeoutMs });
        return { type: "done", id: msg.id, outcome: "ok" };
      case "owner":
        return {
          type: "done",
          id: msg.id,
          outcome: "ok",
          value: { owner: await c.owner({ key, timeoutMs }) },
        };
    }
  } catch (err) {
    if (err instanceof DefiniteFailure)
      return { type: "done", id: msg.id, outcome: "fail", error: err.reason };
    return { type: "done", id: msg.id, outcome: "info", error: (err as Error)?.message ?? String(err) };
  }
}

async function onMessage(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case "access":
      send({ type: "access-go", id: msg.id });
      return;
    case "lock":
      send(await callAdapter(msg));
      return;
    case "init":
      try {
        const def = await resolveLock(msg.lock, msg.baseDir);
        client = await def.create(msg.endpoints);
        send({ type: "ready", ownerReads: def.ownerReads });
      } catch (err) {
        send({ type: "init-error", message: (err as Error)?.message ?? String(err) });
      }
      return;
    case "close":
      await client?.close().catch(() => {});
      process.exit(0);
  }
}

process.on("message", (msg: ToWorker) => void onMessage(msg));
process.on("disconnect", () => process.exit(0)); // the runner is gone: nothing left to do
