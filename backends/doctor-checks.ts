// `locksmith doctor`'s checks for the systems under test: Node, the etcd and Redis binaries with their
// versions, and a Docker engine for the testcontainers provisioner. Each says what to do when it fails.
// It must never install anything (doctor only looks; provisioning installs).

import { execFile } from "node:child_process";
import type { DoctorCheck } from "../nemesis/doctor.js";
import { type BinaryName, binaryVersion, findBinary, INSTALL_COMMAND, isDebianLike } from "./install.js";

function installFix(): string {
  if (process.getuid?.() === 0 && isDebianLike())
    return `locksmith installs it on first use (as root on Debian/Ubuntu), or run: ${INSTALL_COMMAND}`;
  return isDebianLike()
    ? `sudo sh -c '${INSTALL_COMMAND}'`
    : "install etcd 3.4 and redis-server 7 with your package manager";
}

function binaryCheck(name: BinaryName, title: string, expect: RegExp, required: boolean): DoctorCheck {
  return {
    id: name,
    title,
    requiredForDefault: required,
    run: async () => {
      const path = findBinary(name);
      if (!path) return { ok: false, detail: "not found", fix: installFix() };
      const full = (await binaryVersion(name)) ?? "version unknown";
      const version = full.replace(/^Redis server (v=[\d.]+).*/, "Redis server $1");
      return expect.test(version)
        ? { ok: true, detail: `${path}: ${version}` }
        : { ok: false, detail: `${path}: ${version} (untested version)`, fix: installFix() };
    },
  };
}

/** Docker engine reachable? (`docker version` talks to the daemon.) */
function dockerCheck(): DoctorCheck {
  return {
    id: "docker",
    title: "Docker engine (testcontainers provisioner)",
    requiredForDefault: false,
    run: async () => {
      const docker = findBinary("docker");
      if (!docker)
        return {
          ok: false,
          detail: "docker not installed",
          fix: "optional: install Docker to use the testcontainers provisioner",
        };
      const server = await new Promise<string | undefined>((resolve) => {
        execFile(docker, ["version", "--format", "{{.Server.Version}}"], { timeout: 5_000 }, (err, stdout) =>
          resolve(err ? undefined : stdout.trim()),
        );
      });
      return server
        ? { ok: true, detail: `engine ${server}` }
        : {
            ok: false,
            detail: "docker client present but no engine answers",
            fix: "optional: start the Docker daemon to use the testcontainers provisioner",
          };
    },
  };
}

export function backendChecks(): DoctorCheck[] {
  return [
    {
      id: "node",
      title: "Node.js >= 20",
      requiredForDefault: true,
      run: async () =>
        Number(process.versions.node.split(".")[0]) >= 20
          ? { ok: true, detail: process.version }
          : { ok: false, detail: process.version, fix: "install Node.js 20 or newer" },
    },
    binaryCheck("etcd", "etcd server 3.4", /3\.4\./, true),
    binaryCheck("etcdctl", "etcdctl", /3\.4\./, false),
    binaryCheck("redis-server", "redis-server 7", /v=7\./, true),
    dockerCheck(),
  ];
}
