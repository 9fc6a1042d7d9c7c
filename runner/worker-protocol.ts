// The messages between the runner and a client worker process (runner/worker.ts) over the Node IPC
// channel. Types only: no behaviour here. The runner stamps every op's times on its own clock; a worker
// never reports times the checkers would trust.

import type { Endpoints } from "../backends/registry.js";

export type LockF = "acquire" | "renew" | "release" | "owner";

/** Runner -> worker. */
export type ToWorker =
  | { type: "init"; lock: string; baseDir: string; endpoints: Endpoints }
  /** Call the adapter. `req` is the adapter request (key, owner, ttlMs, timeoutMs as needed). */
  | {
      type: "lock";
      id: number;
      f: LockF;
      req: { key: string; owner?: string; ttlMs?: number; timeoutMs: number };
    }
  /** A resource access passes through the worker (so a paused worker cannot touch the resource). */
  | { type: "access"; id: number }
  | { type: "close" };

/** Worker -> runner. */
export type FromWorker =
  | { type: "ready"; ownerReads: boolean }
  | { type: "init-error"; message: string }
  | { type: "done"; id: number; outcome: "ok"; value?: unknown }
  | { type: "done"; id: number; outcome: "fail" | "info"; error: string }
  | { type: "access-go"; id: number };
