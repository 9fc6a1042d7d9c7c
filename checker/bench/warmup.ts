// When a benchmark's warm-up may stop: after a minimum of checks and of time, once the check times have
// settled (V8 has finished optimizing, the heap has stopped growing), or at a cap. Pure: it sees only
// the times so far; it must never time anything itself.

export interface WarmupRule {
  /** Untimed checks at least. */
  minChecks: number;
  /** Milliseconds of warm-up at least. */
  minMs: number;
  /** Milliseconds at most, settled or not. */
  maxMs: number;
  /** Checks at most, settled or not. */
  maxChecks: number;
}

/** How close (relative) the medians of the last two windows of checks must be for the times to have settled. */
export const SETTLED_TOLERANCE = 0.05;
/** Each window is at least this many checks, and at least a tenth of the checks so far. */
const MIN_WINDOW = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Whether the check times have settled: the median of the last window is within SETTLED_TOLERANCE of the
 * median of the window before it (windows of max(5, a tenth of the checks so far)).
 */
export function settled(timesMs: readonly number[]): boolean {
  const window = Math.max(MIN_WINDOW, Math.floor(timesMs.length / 10));
  if (timesMs.length < 2 * window) return false;
  const last = median(timesMs.slice(timesMs.length - window));
  const before = median(timesMs.slice(timesMs.length - 2 * window, timesMs.length - window));
  return Math.abs(last - before) <= SETTLED_TOLERANCE * before;
}

/** Whether to run another warm-up check, given the times so far and the milliseconds spent. */
export function warmMore(rule: WarmupRule, timesMs: readonly number[], elapsedMs: number): boolean {
  if (rule.minChecks === 0) return false; // no warm-up count means no warm-up at all, whatever its time
  const checks = timesMs.length;
  if (checks < rule.minChecks) return true;
  if (checks >= rule.maxChecks || elapsedMs >= rule.maxMs) return false;
  if (elapsedMs < rule.minMs) return true;
  return !settled(timesMs);
}
