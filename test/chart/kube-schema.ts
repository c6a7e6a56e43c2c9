/**
 * Validates rendered manifests against the Kubernetes OpenAPI schemas, as `kubeconform -strict` would:
 * - types, enums, formats and required fields with kubernetes-models (validators compiled from the Kubernetes OpenAPI
 *   document; @kubernetes-models/prometheus-operator for the monitoring.coreos.com kinds);
 * - unknown fields (a misspelt key in a template, which the API server would drop or reject) with the attribute maps of
 *   @kubernetes/client-node's models, generated from the same OpenAPI document.
 * A kind without a schema here is an error, so a new template kind has to be added on purpose.
 */
import * as k8s from "@kubernetes/client-node";
import { PrometheusRule, ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { CustomResourceDefinition } from "kubernetes-models/apiextensions.k8s.io/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { ConfigMap, Service, ServiceAccount } from "kubernetes-models/v1";

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

type Validating = new (data: never) => { validate(): void };

const models: Record<string, Validating> = {
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "v1/ServiceAccount": ServiceAccount,
  "apps/v1/Deployment": Deployment,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "rbac.authorization.k8s.io/v1/ClusterRole": ClusterRole,
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": ClusterRoleBinding,
  "rbac.authorization.k8s.io/v1/Role": Role,
  "rbac.authorization.k8s.io/v1/RoleBinding": RoleBinding,
  "apiextensions.k8s.io/v1/CustomResourceDefinition": CustomResourceDefinition,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
  "monitoring.coreos.com/v1/PrometheusRule": PrometheusRule,
};

interface Attribute {
  baseName: string;
  type: string;
}
const clientModels = k8s as unknown as Record<string, { getAttributeTypeMap?: () => Attribute[] } | undefined>;

function unknownFields(value: unknown, type: string, path: string, out: string[]): void {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) unknownFields(v, array[1] as string, `${path}/${i}`, out);
    }
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value === "object") {
      for (const [k, v] of Object.entries(value)) unknownFields(v, map[1] as string, `${path}/${k}`, out);
    }
    return;
  }
  const model = clientModels[type];
  // Primitives, IntOrString, Date and free-form `any` have no fields; wrong types are kubernetes-models' finding.
  if (!model?.getAttributeTypeMap || typeof value !== "object" || Array.isArray(value)) return;
  const known = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value)) {
    const t = known.get(k);
    if (t === undefined) out.push(`${path}/${k}: unknown field (not in ${type})`);
    else unknownFields(v, t, `${path}/${k}`, out);
  }
}

/** Problems found in one manifest, each "<kind>/<name><json pointer>: <message>"; empty when valid. */
export function validateManifest(obj: KubeObject): string[] {
  const id = `${obj.kind}/${obj.metadata?.name ?? "?"}`;
  const Model = models[`${obj.apiVersion}/${obj.kind}`];
  if (!Model) return [`${id}: no schema for ${obj.apiVersion} ${obj.kind}`];
  const problems: string[] = [];
  try {
    new Model(structuredClone(obj) as never).validate();
  } catch (err) {
    problems.push(`${id}: ${(err as Error).message}`);
  }
  // client-node has the built-in kinds only; the monitoring.coreos.com kinds get the kubernetes-models check alone.
  const version = obj.apiVersion.split("/").pop() as string;
  const clientType = `${version[0]?.toUpperCase()}${version.slice(1)}${obj.kind}`;
  if (!obj.apiVersion.startsWith("monitoring.coreos.com/")) {
    if (!clientModels[clientType]) problems.push(`${id}: no client-node model ${clientType}`);
    const unknown: string[] = [];
    unknownFields(obj, clientType, "", unknown);
    for (const u of unknown) problems.push(`${id}${u}`);
  }
  return problems;
}
