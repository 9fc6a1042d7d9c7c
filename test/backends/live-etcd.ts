// A test fixture: a real 3-member etcd cluster for one describe block, started through the project's own
// provisioning (beforeAll) under a temp dir and ledger unique to the run, and stopped, undone and removed
// afterwards (afterAll), also when a test fails. It must never be used outside describe blocks.

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { type Deployment, LocalProvisioner } from "../../backends/provisioner.js";
import { undoLive } from "../../nemesis/cleanup.js";
import { Ledger } from "../../nemesis/ledger.js";

export interface LiveEtcd {
  /** The running deployment (set once beforeAll has run). */
  readonly deployment: Deployment;
  /** Client URLs, "http://address:port", in member order. */
  urls(): string[];
}

/** Starts the cluster before the block's tests; `cleanup` runs first in afterAll (e.g. closing clients). */
export function useLiveEtcd(name: string, cleanup: () => Promise<void> | void = () => {}): LiveEtcd {
  const dir = mkdtempSync(join(tmpdir(), `lsm-${name}-`));
  const ledger = new Ledger(`t-${name}-${randomBytes(3).toString("hex")}`, join(dir, "state"));
  let prov: LocalProvisioner | undefined;
  let dep: Deployment | undefined;
  beforeAll(async () => {
    prov = await LocalProvisioner.create({ runId: ledger.runId, ledger, noInstall: true, tempRoot: dir });
    dep = await prov.start({ kind: "etcd" });
  }, 60_000);
  afterAll(async () => {
    try {
      await cleanup();
      await prov?.stop();
    } finally {
      await undoLive(ledger);
      ledger.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
  return {
    get deployment(): Deployment {
      if (!dep) throw new Error("the etcd cluster is not started yet (use it inside tests)");
      return dep;
    },
    urls: () => (dep?.endpoints ?? []).map((e) => `http://${e}`),
  };
}
