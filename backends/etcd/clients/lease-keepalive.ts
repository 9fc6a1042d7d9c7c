// One keepalive of an etcd lease over etcd3's gRPC stream, with a deadline: the renew step of the etcd
// lock clients. It sends exactly one keepalive request and never re-sends it.

import type { Etcd3 } from "etcd3";
import { withDeadline } from "../../clients/deadline.js";
import { callDeadline } from "./connection.js";

/** The lease's TTL in seconds after this keepalive (0: the lease is gone). */
export async function keepAliveOnce(client: Etcd3, leaseId: string, timeoutMs: number): Promise<number> {
  const stream = await withDeadline(
    client.leaseClient.leaseKeepAlive(callDeadline(timeoutMs)),
    timeoutMs,
    "keepalive",
  );
  try {
    const answer = new Promise<number>((resolve, reject) => {
      stream.on("data", (res: { TTL: string }) => resolve(Number(res.TTL)));
      stream.on("error", reject);
      stream.on("end", () => reject(new Error("keepalive stream ended without an answer")));
    });
    stream.write({ ID: leaseId });
    return await withDeadline(answer, timeoutMs, "keepalive");
  } finally {
    stream.end();
  }
}
