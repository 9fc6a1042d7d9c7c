// `locksmith record` with bad input: a clear message and exit 254, before anything is started.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../cli/main.js";

const dir = mkdtempSync(join(tmpdir(), "locksmith-record-cli-"));
let stderr = "";

beforeEach(() => {
  stderr = "";
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("locksmith record: bad input", () => {
  it("an unknown lock is refused with the known names", async () => {
    const code = await main(["record", "--lock", "zookeeper", "--out", join(dir, "a")]);
    expect(code).toBe(254);
    expect(stderr).toContain('unknown lock "zookeeper"');
    expect(stderr).toContain("etcd-cas");
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("numbers are checked", async () => {
    expect(await main(["record", "--lock", "etcd-cas", "--out", join(dir, "b"), "--clients", "many"])).toBe(
      254,
    );
    expect(stderr).toContain("--clients: expected a whole number");
    expect(await main(["record", "--lock", "etcd-cas", "--out", join(dir, "b"), "--ttl", "5"])).toBe(254);
    expect(stderr).toContain("--ttl: 5 is outside");
    expect(await main(["record", "--lock", "etcd-cas", "--out", join(dir, "b"), "--duration", "-1"])).toBe(
      254,
    );
    expect(
      await main(["record", "--lock", "etcd-cas", "--out", join(dir, "b"), "--resources", "queue"]),
    ).toBe(254);
    expect(stderr).toContain('"queue" is not one of register, set, counter');
  });

  it("an unknown nemesis fault is refused before anything starts or is made", async () => {
    const out = join(dir, "d");
    const code = await main([
      "record",
      "--lock",
      "redis-single",
      "--out",
      out,
      "--nemesis",
      "kill,bogus@holder",
    ]);
    expect(code).toBe(254);
    expect(stderr).toContain("--nemesis: unknown nemesis fault(s) bogus");
    expect(stderr).not.toContain("starting");
    expect(stderr).not.toContain("seed");
    expect(existsSync(out), "no run directory for refused input").toBe(false);
    expect(await main(["record", "--lock", "redis-single", "--out", out, "--nemesis", "kill@"])).toBe(254);
    expect(stderr).toContain('"kill@": no target after @');
  });

  it("refuses a run directory that already holds a history", async () => {
    const out = join(dir, "c");
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "history.jsonl"), '{"index":0}\n');
    const code = await main(["record", "--lock", "naive", "--out", out]);
    expect(code).toBe(254);
    expect(stderr).toContain("already holds a history");
  });
});
