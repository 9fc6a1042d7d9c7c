// ioredis connections for the Redis lock clients, configured for honest recording (DESIGN.md section 6):
// no retried commands, no re-sent commands after a reconnect, no offline queue, a timeout on every command.
// It must never hide an error: `isDefiniteRedisFailure` says only what certainly did not reach the server.

import { Redis, ReplyError } from "ioredis";
import { withDeadline } from "../../clients/deadline.js";
import type { RedisEndpoint } from "../../registry.js";

/** Upper bound on any single command; each call also has its own, usually shorter, deadline. */
export const COMMAND_TIMEOUT_MS = 5_000;

/** Open one connection and wait until it is ready (or fail by the deadline). */
export async function connectRedis(endpoint: RedisEndpoint, connectTimeoutMs = 5_000): Promise<Redis> {
  const redis = new Redis({
    host: endpoint.host,
    port: endpoint.port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    enableOfflineQueue: false,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: connectTimeoutMs,
    enableReadyCheck: false,
    // Reconnecting is not retrying a command: commands issued while down fail at once (no offline queue).
    retryStrategy: (attempt: number) => Math.min(20 * attempt, 500),
  });
  redis.on("error", () => {}); // errors reach the calls that suffer them; the event would only crash us
  try {
    await withDeadline(
      redis.connect(),
      connectTimeoutMs,
      `connect to redis ${endpoint.host}:${endpoint.port}`,
    );
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  return redis;
}

/**
 * True only for errors that prove the command did not take effect: the server answered with an error
 * (e.g. READONLY on a replica), the connection was not writable (no offline queue) or was refused.
 * Timeouts and lost connections are not proof.
 */
export function isDefiniteRedisFailure(err: unknown): boolean {
  if (err instanceof ReplyError) return true;
  const message = (err as Error)?.message ?? "";
  return (
    message.includes("enableOfflineQueue options is false") ||
    message.includes("Stream isn't writeable") ||
    message.includes("ECONNREFUSED")
  );
}

/** Close without waiting for the server (it may be paused or gone). */
export function closeRedis(redis: Redis): void {
  redis.disconnect(false);
}
