// Finding and installing the server binaries: present binaries are found with absolute paths and nothing is
// installed; a missing one with `noInstall` stops with the exact apt-get command to run.

import { isAbsolute } from "node:path";
import { describe, expect, it } from "vitest";
import {
  APT_PACKAGES,
  binaryVersion,
  ensureBinaries,
  findBinary,
  INSTALL_COMMAND,
  MissingBinariesError,
} from "../../backends/install.js";

describe("install", () => {
  it("the install command is the documented one", () => {
    expect(INSTALL_COMMAND).toBe(
      "apt-get update && apt-get install -y etcd-server etcd-client redis-server iproute2 iptables",
    );
    expect(APT_PACKAGES).toContain("etcd-server");
  });

  it("finds executables by absolute path and nothing for a name that does not exist", () => {
    const node = findBinary("node");
    expect(node && isAbsolute(node)).toBe(true);
    expect(findBinary("locksmith-no-such-binary")).toBeUndefined();
  });

  it.skipIf(!findBinary("etcd") || !findBinary("redis-server"))(
    "with the binaries present it installs nothing and reports their versions",
    async () => {
      const lines: string[] = [];
      const report = await ensureBinaries(["etcd", "redis-server"], { log: (l) => lines.push(l) });
      expect(report.installMs).toBe(0);
      expect(lines).toEqual([]);
      expect(isAbsolute(report.paths.etcd)).toBe(true);
      expect(await binaryVersion("etcd")).toMatch(/3\.4\./);
      expect(await binaryVersion("redis-server")).toMatch(/v=7\./);
    },
  );

  it("noInstall: a missing binary stops with the exact command, and runs nothing", async () => {
    const lines: string[] = [];
    const attempt = ensureBinaries(["etcd", "redis-server"], {
      noInstall: true,
      find: (n) => (n === "etcd" ? undefined : "/usr/bin/redis-server"),
      log: (l) => lines.push(l),
    });
    await expect(attempt).rejects.toBeInstanceOf(MissingBinariesError);
    const err = (await attempt.catch((e) => e)) as MissingBinariesError;
    expect(err.missing).toEqual(["etcd"]);
    expect(err.command).toBe(INSTALL_COMMAND);
    expect(err.message).toContain(INSTALL_COMMAND);
    expect(err.message).toContain("--no-install");
    expect(lines).toEqual([]);
  });
});
