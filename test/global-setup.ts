// Vitest global setup: runs once before the suite. It makes sure etcd, etcdctl and redis-server are present,
// installing them with apt-get as root on Debian/Ubuntu (saying so on stderr), so `npm test` works on a fresh
// machine. Where it cannot install, it prints the command and the live tests skip themselves -- except in
// CI (CI set), where a missing server is an error: live tests are never skipped there and passed off as green.
// It must never start servers or leave anything behind.

import { ensureBinaries, MissingBinariesError } from "../backends/install.js";

export async function setup(): Promise<void> {
  try {
    const { installMs } = await ensureBinaries(["etcd", "etcdctl", "redis-server"]);
    if (installMs > 0)
      process.stderr.write(`global-setup: installed etcd and redis in ${(installMs / 1000).toFixed(1)} s\n`);
  } catch (err) {
    if (!(err instanceof MissingBinariesError) || process.env.CI) throw err;
    process.stderr.write(`global-setup: live tests will be skipped: ${err.message}\n`);
  }
}
