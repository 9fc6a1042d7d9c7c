// From a lock's topology (backends/registry.ts) to the provisioning's (backends/provisioner.ts), and from
// a deployment's "address:port" endpoints to what the lock clients connect to. Mapping only: it must
// never start anything itself.

import type { Deployment, Topology as ProvisionTopology } from "../backends/provisioner.js";
import type { Endpoints, Topology } from "../backends/registry.js";

export function provisionTopology(topology: Topology): ProvisionTopology {
  switch (topology) {
    case "etcd-cluster":
      return { kind: "etcd", members: 3 };
    case "redis-single":
      return { kind: "redis-single" };
    case "redis-replicated":
      return { kind: "redis-primary-replica" };
    case "redis-five":
      return { kind: "redis-independent", nodes: 5 };
  }
}

/** Client endpoints of a deployment: etcd client URLs, or Redis nodes in server order (primary first). */
export function clientEndpoints(topology: Topology, deployment: Pick<Deployment, "endpoints">): Endpoints {
  if (topology === "etcd-cluster") return { etcd: deployment.endpoints.map((e) => `http://${e}`) };
  return {
    redis: deployment.endpoints.map((e) => {
      const at = e.lastIndexOf(":");
      return { host: e.slice(0, at), port: Number(e.slice(at + 1)) };
    }),
  };
}
