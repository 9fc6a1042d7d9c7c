// The lifecycle every server the local provisioner runs shares (an etcd member, a redis-server node): one
// program on one host, spawned through the run's ledger (nemesis/processes.ts), with its data dir and log
// file, and the kill / stop / restart / signal the nemesis acts on. A subclass says only how to start its
// program (`commandLine`) and when it is ready (`waitReady`). It must never signal a process it did not
// start, and never start a second copy of a server that is still running.

import type { Host } from "../nemesis/hosts.js";
import type { Ledger } from "../nemesis/ledger.js";
import { type ExitInfo, type HostProcess, spawnOnHost } from "../nemesis/processes.js";

export interface ServerSpawnOptions {
  ledger: Ledger;
  /** Extra environment for the program (added to the runner's). */
  env?: NodeJS.ProcessEnv;
}

export abstract class ServerProcess {
  private proc: HostProcess | undefined;

  constructor(
    readonly name: string,
    readonly host: Host,
    readonly dataDir: string,
    readonly logFile: string,
    private readonly spawnOptions: ServerSpawnOptions,
  ) {}

  /** The port clients connect to. */
  abstract get port(): number;

  /** The program and its arguments, as started now (it may depend on the server's current role). */
  protected abstract commandLine(): string[];

  /** Wait until the server answers as ready (or throw after the deadline; default: the subclass's). */
  abstract waitReady(timeoutMs?: number): Promise<void>;

  /** Anything to prepare before each start (e.g. create the data dir); default nothing. */
  protected prepare(): void {}

  get address(): string {
    return this.host.address;
  }
  /** The client endpoint as "address:port". */
  get endpoint(): string {
    return `${this.host.address}:${this.port}`;
  }
  /** The pid of the running process, or undefined when it is not running. */
  get pid(): number | undefined {
    return this.proc?.running ? this.proc.pid : undefined;
  }
  get running(): boolean {
    return this.proc?.running ?? false;
  }
  get process(): HostProcess | undefined {
    return this.proc;
  }

  /** Start the program (on its existing data dir if there is one). Does not wait until it is ready. */
  async start(): Promise<void> {
    if (this.running) return;
    this.prepare();
    this.proc = await spawnOnHost(this.host, this.commandLine(), {
      ledger: this.spawnOptions.ledger,
      name: this.name,
      logFile: this.logFile,
      env: this.spawnOptions.env,
    });
  }

  /** SIGKILL and wait for the exit (the data dir stays for a restart). */
  async kill(): Promise<ExitInfo | undefined> {
    return this.proc?.kill();
  }

  /** SIGTERM (SIGKILL after the grace period) and wait for the exit. */
  async stop(graceMs = 5_000): Promise<ExitInfo | undefined> {
    return this.proc?.stop(graceMs);
  }

  /** Stop it if it runs, start it again on the same data dir, and wait until it is ready. */
  async restart(opts: { healthTimeoutMs?: number } = {}): Promise<void> {
    if (this.running) await this.stop();
    await this.start();
    await this.waitReady(opts.healthTimeoutMs);
  }

  /** Send a signal to the server's pid (SIGSTOP/SIGCONT for pauses); false when it is not running. */
  signal(sig: NodeJS.Signals): boolean {
    return this.proc?.signal(sig) ?? false;
  }
}
