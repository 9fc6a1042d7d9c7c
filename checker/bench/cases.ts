// The checker benchmark's cases: every published history in ../shared/data (from its expected.tsv) and
// the synthetic lease-lock histories. Reads only the two expected.tsv files; it must never run a check.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The project root: the nearest folder above this file with a package.json (the data is beside it). */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("bench: cannot find the project root (no package.json above)");
    dir = up;
  }
  return dir;
}

export interface SyntheticSpec {
  kind: "lock" | "hopeless-illegal";
  seed?: number;
  operations?: number;
  keys?: number;
  clients?: number;
  infoShare?: number;
  violations?: number;
  indeterminate?: number;
  hopelessFirst?: boolean;
}

export type BenchGroup = "etcd" | "kv" | "knossos" | "synthetic" | "million" | "hopeless";

export interface BenchCase {
  /** Unique name, e.g. `porcupine/jepsen/etcd_002.log` or `porcupine/kv/c10-ok.txt --no-partition`. */
  id: string;
  group: BenchGroup;
  /** Absolute path of a published file, or absent for a synthetic history. */
  file?: string;
  synthetic?: SyntheticSpec;
  model: string;
  /** The model's initial value as EDN text (Knossos's `(cas-register 0)` -> "0"). */
  init?: string;
  partition: boolean;
  /** The verdict the data's own tool asserts (or the generator guarantees). */
  expected: boolean;
}

/** `(cas-register 0)` -> { model: "cas-register", init: "0" }; `(mutex)` -> { model: "mutex" }. */
export function parseKnossosModel(spec: string): { model: string; init?: string } {
  const inner = spec.trim().replace(/^\(/, "").replace(/\)$/, "").trim();
  const space = inner.search(/\s/);
  if (space < 0) return { model: inner };
  return { model: inner.slice(0, space), init: inner.slice(space + 1).trim() };
}

interface TsvRow {
  file: string;
  model: string;
  expected: boolean;
}

export function readExpectedTsv(path: string): TsvRow[] {
  const rows: TsvRow[] = [];
  const lines = readFileSync(path, "utf8").split("\n");
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    const [file, model, expected] = line.split("\t");
    if (expected !== "linearizable" && expected !== "not-linearizable") {
      throw new Error(`${path}:${i + 1}: expected "linearizable" or "not-linearizable", got "${expected}"`);
    }
    rows.push({ file, model, expected: expected === "linearizable" });
  }
  return rows;
}

/** The published cases: porcupine etcd logs and kv files (both ways), then the Knossos files. */
export function publishedCases(dataDir: string): BenchCase[] {
  const out: BenchCase[] = [];
  for (const row of readExpectedTsv(join(dataDir, "porcupine", "expected.tsv"))) {
    const file = join(dataDir, "porcupine", row.file);
    const name = `porcupine/${row.file}`;
    if (row.model === "kv-unpartitioned") {
      out.push({
        id: `${name} --no-partition`,
        group: "kv",
        file,
        model: "kv",
        partition: false,
        expected: row.expected,
      });
    } else {
      const group = row.model === "kv" ? "kv" : "etcd";
      out.push({ id: name, group, file, model: row.model, partition: true, expected: row.expected });
    }
  }
  for (const row of readExpectedTsv(join(dataDir, "knossos", "expected.tsv"))) {
    const { model, init } = parseKnossosModel(row.model);
    out.push({
      id: `knossos/${row.file} ${row.model}`,
      group: "knossos",
      file: join(dataDir, "knossos", row.file),
      model,
      init,
      partition: true,
      expected: row.expected,
    });
  }
  return out;
}

/** Synthetic lease-lock histories: valid and planted-violation ones, the hopeless+illegal pair, the 1M case. */
export function syntheticCases(): BenchCase[] {
  const lock = (
    id: string,
    spec: Omit<SyntheticSpec, "kind">,
    expected: boolean,
    group: BenchGroup = "synthetic",
  ): BenchCase => ({
    id,
    group,
    synthetic: { ...spec, kind: "lock" },
    model: "lease-lock",
    partition: true,
    expected,
  });
  const hopeless = (hopelessFirst: boolean): BenchCase => ({
    id: `synthetic/hopeless+illegal (${hopelessFirst ? "hopeless key first" : "illegal key first"})`,
    group: "hopeless",
    synthetic: { kind: "hopeless-illegal", indeterminate: 64, hopelessFirst },
    model: "lease-lock",
    partition: true,
    expected: false,
  });
  const base = { seed: 7, infoShare: 0.02 };
  return [
    lock(
      "synthetic/lease 10k ops, 10 keys, 5 clients",
      { ...base, operations: 10_000, keys: 10, clients: 5 },
      true,
    ),
    lock(
      "synthetic/lease 10k ops, 10 keys, 5 clients, 3 planted",
      { ...base, operations: 10_000, keys: 10, clients: 5, violations: 3 },
      false,
    ),
    lock(
      "synthetic/lease 2k ops, 1 key, 10 clients, 2% info",
      { seed: 11, operations: 2_000, keys: 1, clients: 10, infoShare: 0.02 },
      true,
    ),
    lock(
      "synthetic/lease 2k ops, 1 key, 10 clients, 2% info, 1 planted",
      { seed: 11, operations: 2_000, keys: 1, clients: 10, infoShare: 0.02, violations: 1 },
      false,
    ),
    lock(
      "synthetic/lease 100k ops, 100 keys, 10 clients",
      { ...base, operations: 100_000, keys: 100, clients: 10 },
      true,
    ),
    hopeless(true),
    hopeless(false),
    lock(
      "synthetic/lease 1M ops, 1000 keys, 10 clients, 2% info",
      { ...base, operations: 1_000_000, keys: 1000, clients: 10 },
      true,
      "million",
    ),
  ];
}
