// `locksmith record`, the runner's first form (issue 5): start the lock's topology, start one worker per
// client on its own host, run the fixed workload for the duration while recording every op, issue the
// final resource reads, then stop everything and write DIR/history.jsonl and DIR/test.json.
// Everything it creates goes through the run's ledger (servers, hosts, workers, temp dirs) and is removed
// at the end, on error, and on Ctrl-C. It must never leave a process, namespace or temp dir behind, and
// never write a history whose times do not come from the RunClock.

import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { binaryVersion } from "../backends/install.js";
import { LocalProvisioner } from "../backends/provisioner.js";
import { type Endpoints, type LockDefinition, resolveLock } from "../backends/registry.js";
import { teardownOnSignals, undoLive } from "../nemesis/cleanup.js";
import { MidSectionGate, TAKEOVER_WAIT_MS } from "../nemesis/holder-pause.js";
import type { Host, HostMode } from "../nemesis/hosts.js";
import { Ledger } from "../nemesis/ledger.js";
import { peerLinkHook } from "../nemesis/peer-links.js";
import { RunNemesis, type RunNemesisOptions } from "../nemesis/run.js";
import { RunnerClient } from "./client.js";
import { RunClock } from "./clock.js";
import { HolderBook } from "./holders.js";
import { SeededRandom } from "./random.js";
import { Recorder } from "./recorder.js";
import { ProtectedResource, type ResourceKind } from "./resource.js";
import { collectLogs } from "./run-logs.js";
import { formatSummary, quantile, type RunSummary } from "./summary.js";
import { clientEndpoints, provisionTopology } from "./topology.js";
import { WorkerProcess } from "./worker-process.js";
import { ClientLoop, DEFAULT_WORKLOAD, UniqueSource, type WorkloadConfig } from "./workload.js";

export interface RecordOptions {
  /** A built-in lock name or the path of an adapter module. */
  lock: string;
  clients: number;
  keys: number;
  ttlMs: number;
  durationS: number;
  outDir: string;
  seed?: number;
  fenced?: boolean;
  noInstall?: boolean;
  resources?: ResourceKind[];
  hostMode?: "auto" | HostMode;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
  /** Install SIGINT/SIGTERM handlers that tear the run down (the CLI does; tests usually do not). */
  handleSignals?: boolean;
  /** Where a user's adapter module path is resolved from (default: cwd). */
  baseDir?: string;
  /** Overrides of the workload's rates (tests, benchmarks). */
  workload?: Partial<Omit<WorkloadConfig, "keys" | "ttlMs" | "fenced">>;
  /** Client-side grace added to every call's timeout before a worker counts as unresponsive. */
  graceMs?: number;
  /** Faults to inject (`--nemesis kill,pause,...|all`), and every how many seconds (`--nemesis-interval`). */
  nemesis?: string;
  nemesisIntervalS?: number;
  /** Knobs of the faults (nemesis/faults.ts FaultOptions), e.g. { clockDirection: "forward" }. */
  nemesisOptions?: RunNemesisOptions["options"];
}

export interface RecordResult {
  summary: RunSummary;
  runId: string;
  seed: number;
  interrupted: boolean;
}

/** Bad options, or a run directory that already holds a history: a message for the user as it is. */
export class RecordInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RecordInputError";
  }
}

export function keyNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `k${i}`);
}

export async function record(opts: RecordOptions): Promise<RecordResult> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const seed = opts.seed ?? randomBytes(4).readUInt32LE(0);
  const baseDir = opts.baseDir ?? process.cwd();
  let def: LockDefinition;
  try {
    def = await resolveLock(opts.lock, baseDir);
  } catch (err) {
    throw new RecordInputError((err as Error).message);
  }
  const nemesisOptions = opts.nemesis
    ? { faults: opts.nemesis, intervalS: opts.nemesisIntervalS, options: opts.nemesisOptions }
    : undefined;
  if (nemesisOptions) {
    try {
      RunNemesis.parse(nemesisOptions); // bad fault names are refused before anything is made
    } catch (err) {
      throw new RecordInputError(`--nemesis: ${(err as Error).message}`);
    }
  }
  const outDir = resolve(opts.outDir);
  const historyPath = join(outDir, "history.jsonl");
  const testJsonPath = join(outDir, "test.json");
  const logsDir = join(outDir, "logs");
  if (existsSync(historyPath) && statSync(historyPath).size > 0) {
    throw new RecordInputError(`${historyPath} already holds a history: choose another --out directory`);
  }
  mkdirSync(outDir, { recursive: true });
  log(`seed ${seed}`); // first thing once the input is accepted: a crash from here on is replayable

  const runId = `record-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
  const ledger = new Ledger(runId);
  const startedAt = new Date().toISOString();
  const workers: WorkerProcess[] = [];
  const clients: RunnerClient[] = [];
  let provisioner: LocalProvisioner | undefined;
  let recorder: Recorder | undefined;
  let endpoints: Endpoints | undefined;
  let interrupted = false;
  let tornDown: Promise<void> | undefined;
  let nemesis: RunNemesis | undefined;

  const writeTestJson = async (extra: Record<string, unknown>) => {
    const versions: Record<string, string | undefined> = {
      locksmith: await locksmithVersion(),
      node: process.version,
    };
    if (def.topology === "etcd-cluster") versions.etcd = await binaryVersion("etcd");
    else versions["redis-server"] = await binaryVersion("redis-server");
    const test = {
      runId,
      seed,
      config: {
        lock: opts.lock,
        clients: opts.clients,
        keys: opts.keys,
        ttlMs: opts.ttlMs,
        durationS: opts.durationS,
        fenced: opts.fenced ?? false,
        resources: opts.resources ?? DEFAULT_WORKLOAD.resources,
      },
      lock: {
        name: def.name,
        topology: def.topology,
        ownerReads: def.ownerReads,
        tokenSource: def.tokenSource,
      },
      hostMode: provisioner?.network.mode,
      endpoints,
      versions,
      startedAt,
      finishedAt: new Date().toISOString(),
      ...extra,
    };
    writeFileSync(testJsonPath, `${JSON.stringify(test, null, 2)}\n`);
  };

  const teardown = (): Promise<void> => {
    tornDown ??= (async () => {
      await nemesis
        ?.dispose()
        .catch((err) => log(`locksmith: healing the nemesis: ${(err as Error).message}`));
      recorder?.close();
      await Promise.all(workers.map((w) => w.kill().catch(() => {})));
      await provisioner?.stop().catch((err) => log(`locksmith: stopping servers: ${(err as Error).message}`));
      if (provisioner) {
        const { failed } = collectLogs(provisioner.dir, logsDir);
        for (const f of failed) log(`locksmith: could not keep the log ${f}`);
      }
      await undoLive(ledger);
      ledger.close();
    })();
    return tornDown;
  };
  const removeSignalHandlers = opts.handleSignals
    ? teardownOnSignals(
        async () => {
          interrupted = true;
          await teardown();
          const ops = recorder?.opCount ?? 0;
          await writeTestJson({ interrupted: true, ops }).catch(() => {});
          if (recorder)
            log(`locksmith: interrupted: ${ops} ops kept in ${historyPath} (ops left open read as info)`);
        },
        { log },
      )
    : () => {};

  try {
    log(`starting ${def.topology} for ${def.name}...`);
    const t0 = Date.now();
    if (nemesisOptions) {
      nemesis = await RunNemesis.prepare(ledger, nemesisOptions).catch((err: Error) => {
        throw new RecordInputError(`--nemesis: ${err.message}`);
      });
    }
    provisioner = await LocalProvisioner.create({
      runId,
      ledger,
      noInstall: opts.noInstall,
      hostMode: opts.hostMode,
      serverEnv: nemesis?.serverEnv(),
      beforeClusterStart: peerLinkHook(ledger, opts.nemesis),
      keepDir: true, // the logs are copied out at teardown; the ledger removes the dir
    });
    const deployment = await provisioner.start(provisionTopology(def.topology));
    endpoints = clientEndpoints(def.topology, deployment);
    log(
      `servers up in ${Date.now() - t0} ms (${deployment.endpoints.join(", ")}); starting ${opts.clients} clients...`,
    );

    const network = provisioner.network;
    const hosts: Host[] = [];
    for (let i = 0; i < opts.clients; i++) hosts.push(await network.addHost(`c${i}`));
    const currentWorkers: WorkerProcess[] = [];
    const midSection = nemesis?.usesMidSectionGate() ? new MidSectionGate() : undefined;
    const holders = new HolderBook();
    const clientIndex = (name: string) => (/^c\d+$/.test(name) ? Number(name.slice(1)) : -1);
    await nemesis?.attach(network, {
      midSection,
      holder: (key?: string) => {
        const index = holders.holder(key);
        return index === undefined ? undefined : `c${index}`;
      },
      holdings: (name: string) => holders.keysOf(clientIndex(name)),
      nextAcquire: async (timeoutMs: number, signal?: AbortSignal) => {
        const a = await holders.nextAcquire(timeoutMs, signal);
        return a && { name: `c${a.index}`, key: a.key };
      },
      system:
        def.topology === "etcd-cluster"
          ? "etcd"
          : def.topology === "redis-replicated"
            ? "redis-replicated"
            : "redis",
      servers: deployment.redis?.nodes ?? deployment.servers,
      clients: hosts.map((host, i) => ({
        name: `c${i}`,
        host,
        get pid() {
          return currentWorkers[i]?.pid;
        },
      })),
      clientHosts: hosts,
      leader: deployment.etcd ? async () => (await deployment.etcd?.leader())?.name : undefined,
    });
    const logDir = provisioner.dir;
    const startWorker = async (index: number, generation: number) => {
      const w = await WorkerProcess.start({
        env: nemesis?.clientEnv(hosts[index]),
        host: hosts[index],
        ledger,
        name: `client ${index}${generation ? ` (#${generation})` : ""}`,
        lock: opts.lock,
        endpoints: endpoints as Endpoints,
        baseDir,
        logFile: join(logDir, `client-${index}.log`),
      });
      workers.push(w);
      currentWorkers[index] = w;
      return w;
    };
    const first = await Promise.all(hosts.map((_, i) => startWorker(i, 0)));

    const clock = new RunClock();
    recorder = Recorder.open(historyPath, clock);
    const resource = new ProtectedResource(opts.fenced ?? false);
    let nextProcess = opts.clients;
    const ctx = {
      recorder,
      resource,
      freshProcess: () => nextProcess++,
      startWorker,
      // a paused client is slow, not dead: with client pauses, wait out a whole pause (its hold, and the
      // stop's wait for another client to take the lock over) before giving up on it
      graceMs:
        opts.graceMs ?? (nemesis?.pausesClients() ? nemesis.intervalMs + TAKEOVER_WAIT_MS + 1_000 : 1_000),
      beforeWrite:
        midSection &&
        ((index: number, pid: number) => midSection.beforeWrite(`c${index}`, pid, holders.keysOf(index)[0])),
      holders,
    };
    for (let i = 0; i < opts.clients; i++) clients.push(new RunnerClient(i, i, first[i], ctx));

    const keys = keyNames(opts.keys);
    const cfg: WorkloadConfig = {
      ...DEFAULT_WORKLOAD,
      ...opts.workload,
      resources: opts.resources ?? opts.workload?.resources ?? DEFAULT_WORKLOAD.resources,
      keys,
      ttlMs: opts.ttlMs,
      fenced: opts.fenced ?? false,
    };
    const unique = new UniqueSource();
    const master = new SeededRandom(seed);
    const stopAt = clock.now() + opts.durationS * 1e9;
    log(`recording for ${opts.durationS} s...`);
    const nemesisDone = nemesis?.start(master.int(2 ** 32), opts.durationS * 1000, {
      invoke: (f, value) => recorder?.invoke("nemesis", f, undefined, value),
      complete: (inv, type, value, error) =>
        inv && recorder?.complete(inv as ReturnType<Recorder["invoke"]>, type, value, error),
    });
    await Promise.all(
      clients.map((c) =>
        new ClientLoop(c, cfg, clock, new SeededRandom(master.int(2 ** 32)), unique)
          .run(stopAt)
          .catch((err) => {
            if (!interrupted) log(`locksmith: client ${c.index} stopped: ${(err as Error).message}`);
          }),
      ),
    );
    const ranS = clock.now() / 1e9;
    if (nemesis) {
      await nemesis.stop();
      const faults = await nemesisDone;
      log(
        `nemesis: ${faults?.started ?? 0} faults started, ${faults?.stopped ?? 0} stopped, healed: ${faults?.healed.join("; ") || "nothing left"}`,
      );
      for (const u of nemesis.unsupported()) log(`nemesis: ${u.fault} not run here: ${u.why}`);
    }

    // Final reads, on a process of their own, with every client done.
    const finalProcess = nextProcess++;
    for (const key of keys) {
      for (const kind of cfg.resources) {
        const value = { resource: kind, owner: "runner", final: true };
        const inv = recorder.invoke(finalProcess, "res-read", key, value);
        const read = resource.read({ key, resource: kind });
        recorder.complete(inv, "ok", { ...value, result: read.type === "ok" ? read.result : null });
      }
    }
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    recorder.close();

    const counts = Object.fromEntries(recorder.counts);
    const summary: RunSummary = {
      lock: def.name,
      historyPath,
      testJsonPath,
      logsDir,
      ops: recorder.opCount,
      counts,
      acquireP50Ms: quantile(recorder.acquireLatencies, 0.5) / 1e6,
      acquireP99Ms: quantile(recorder.acquireLatencies, 0.99) / 1e6,
      acquireOkP50Ms: quantile(recorder.acquireOkLatencies, 0.5) / 1e6,
      acquireOkP99Ms: quantile(recorder.acquireOkLatencies, 0.99) / 1e6,
      workerRestarts: clients.reduce((n, c) => n + c.restarts, 0),
      durationS: ranS,
    };
    await teardown();
    await writeTestJson({ interrupted: false, ops: summary.ops, counts, clientProcesses: nextProcess });
    return { summary, runId, seed, interrupted };
  } catch (err) {
    // Ctrl-C tore the run down under the main flow (closed history, killed workers): what failed here is
    // that, not a crash. The signal handler finishes the teardown, says what was kept, and exits 130.
    if (interrupted) return await untilSignalHandlerExits(); // awaited: the handlers stay until the exit
    throw err;
  } finally {
    await teardown();
    removeSignalHandlers();
  }
}

/** Never settles: the signal handler of `teardownOnSignals` ends the process once the teardown is done. */
function untilSignalHandlerExits(): Promise<never> {
  return new Promise<never>(() => {});
}

export { formatSummary };

/** The package's version, from its package.json (one level up from the sources, two from dist/). */
async function locksmithVersion(): Promise<string | undefined> {
  for (const rel of ["../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "locksmith") return pkg.version;
    } catch {
      // not at this level
    }
  }
  return undefined;
}
