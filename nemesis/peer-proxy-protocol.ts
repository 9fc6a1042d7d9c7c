// The messages between the runner (nemesis/proxy-helper.ts, used by peer-links.ts and client-links.ts) and a
// proxy helper (nemesis/peer-proxy-main.ts) over the helper's IPC channel, and the helper's argv. Types and one pure function only: it must never
// start, signal or talk to a process itself.

import { fileURLToPath } from "node:url";
import { tsxLoader } from "./processes.js";
import type { ProxyFaults } from "./proxy.js";

/** The uid the helper runs as once it listens: its own upstream connections are told apart by it. */
export const PEER_PROXY_UID = 65_534;

/** One route of a helper: connections its member opens to `to` (a peer's address:port) go through it. */
export interface PeerRoute {
  /** The peer member's name. */
  to: string;
  address: string;
  port: number;
}

export type ToPeerProxy =
  | { seq: number; type: "open"; listen: string; routes: PeerRoute[] }
  | { seq: number; type: "set"; to: string; faults: Partial<ProxyFaults> }
  /** Sends the route's new connections elsewhere and resets its open ones (a failover). */
  | { seq: number; type: "retarget"; to: string; address: string; port: number }
  | { seq: number; type: "stats" };

export type FromPeerProxy =
  | { seq: number; type: "opened"; ports: Record<string, number> }
  | { seq: number; type: "done" }
  | { seq: number; type: "retargeted"; reset: number }
  | {
      seq: number;
      type: "stats";
      stats: Record<string, { connections: number; open: number; resets: number }>;
    }
  | { seq: number; type: "error"; message: string };

/** argv that runs the helper with this Node: the compiled .js, or the .ts source through tsx (tests). */
export function peerProxyArgv(): string[] {
  const self = fileURLToPath(import.meta.url);
  const main = self.replace(/peer-proxy-protocol\.(ts|js)$/, (_m, ext: string) => `peer-proxy-main.${ext}`);
  if (self.endsWith(".ts")) return [process.execPath, "--import", tsxLoader(), main];
  return [process.execPath, main];
}
