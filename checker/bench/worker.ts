// The benchmark's child process (one per case and engine, so its peak memory is its own): reads its request
// from argv, measures, and prints one result line. It must never write anything else to stdout.

import { measure, RESULT_PREFIX, type WorkerRequest, type WorkerResult } from "./measure.js";

const request = JSON.parse(process.argv[2]) as WorkerRequest;
try {
  const result = await measure(request);
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
} catch (err) {
  const failed: Partial<WorkerResult> = {
    id: request.benchCase.id,
    engine: request.engine,
    error: String((err as Error)?.stack ?? err),
  };
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(failed)}\n`);
  process.exitCode = 1;
}
