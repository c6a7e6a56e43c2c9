/** coordination.k8s.io/v1 Leases (leader election, shard ownership) over the REST layer. */
import { collectionPath, type KubeObjectMeta, objectPath, type ResourceRef } from "./object.js";
import type { KubeApi } from "./rest.js";

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** metav1.MicroTime: an RFC 3339 string as read; microTime() when written. */
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
  [key: string]: unknown;
}

export interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata?: KubeObjectMeta;
  spec?: LeaseSpec;
}

/** metav1.MicroTime's wire form: RFC 3339 with exactly six fractional digits (client-node's V1MicroTime does the same). */
export const microTime = (ms: number) => new Date(ms).toISOString().replace(/Z$/, "000Z");

export class LeaseApi {
  constructor(private readonly api: KubeApi) {}

  read(namespace: string, name: string): Promise<Lease> {
    return this.api.get<Lease>(this.path(namespace, name));
  }

  create(namespace: string, body: Lease): Promise<Lease> {
    return this.api.create<Lease>(this.path(namespace), body);
  }

  /** Carries metadata.resourceVersion: a concurrent writer makes this a 409. */
  replace(namespace: string, name: string, body: Lease): Promise<Lease> {
    return this.api.replace<Lease>(this.path(namespace, name), body);
  }

  private path(namespace: string, name?: string): string {
    const leases: ResourceRef = { group: "coordination.k8s.io", version: "v1", plural: "leases", namespace };
    return name === undefined ? collectionPath(leases) : objectPath(leases, name);
  }
}
