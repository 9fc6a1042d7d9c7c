import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { parseValue } from "../../histories/load.js";
import { getModel, type ModelOptions } from "../../models/index.js";
import { check } from "../check.js";
import { projectRoot, publishedCases, syntheticCases } from "./cases.js";
import { obtainHistory } from "./measure.js";

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function steadyMain(): Promise<void> {
  const argv = process.argv.slice(2);
  let only: RegExp | undefined;
  let runs = 40; // the first is the cold check; min/p50/p90 are of the others
  let engines: ("wasm" | "ts")[] = ["wasm", "ts"];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--only") only = new RegExp(argv[++i]);
    else if (argv[i] === "--runs") runs = Number(argv[++i]);
    else if (argv[i] === "--engines") engines = argv[++i].split(",") as ("wasm" | "ts")[];
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!Number.isInteger(runs) || runs < 2) throw new Error("--runs must be an integer >= 2");
  const dataDir = resolve(projectRoot(), "..", "shared", "data");
  const cases = [...publishedCases(dataDir), ...syntheticCases()].filter(
    (c) => c.group !== "million" && (!only || only.test(c.id)),
  );
  const f = (x: number) => x.toFixed(2).padStart(7);
  for (const c of cases) {
    const { history, jepsenEdn } = await obtainHistory(c);
    const options: ModelOptions = {};
    if (c.init !== undefined) options.initial = parseValue(c.init);
    if (jepsenEdn) options.nilReadMatchesAny = true;
    const model = getModel(c.model, options);
    for (const engine of engines) {
      const times: number[] = [];
      for (let r = 0; r < runs; r++) {
        const t0 = performance.now();
        check(history, model, { engine, partition: c.partition });
        times.push(performance.now() - t0);
      }
      const cold = times[0];
      const rest = times.slice(1).sort((a, b) => a - b);
      console.log(
        `${c.id.slice(0, 58).padEnd(58)} ${engine.padEnd(4)} cold ${f(cold)}  min ${f(rest[0])}  p50 ${f(quantile(rest, 0.5))}  p90 ${f(quantile(rest, 0.9))}  runs2-6 ${times
          .slice(1, 6)
          .map((x) => x.toFixed(1))
          .join(",")}`,
      );
    }
  }
}

steadyMain().catch((err) => {
  process.stderr.write(`steady: ${(err as Error).stack}\n`);
  process.exitCode = 1;
});
