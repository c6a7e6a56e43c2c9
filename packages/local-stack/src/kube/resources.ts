/** What the server knows about each resource it serves, and the built-in resources (everything but custom resources). */

import type { StructuralSchema } from "../../../../src/api/schema/structural-schema.js";
import { CORE_EVENT_FIELDS, EVENTS_V1_FIELDS, type FieldTree, LEASE_FIELDS } from "./builtin-fields.js";
import { pruneCrdUnknownFields } from "./crd-fields.js";
import type { FieldError } from "./errors.js";
import { eventCoreToV1, eventLastSeen, eventObject, eventV1ToCore, validateEvent } from "./events.js";
import { validateLease } from "./leases.js";
import { humanDuration, isObject, type KubeObject, type NameRule } from "./meta.js";

export interface TableColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  cell(obj: KubeObject, now: number): unknown;
}

export interface ResourceDef {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  statusSubresource: boolean;
  /** One bucket of objects per resource; several versions (or the two Event APIs) share it. */
  storageKey: string;
  /** `metadata.generation` is kept and bumped on changes outside metadata (and status, with the status subresource). */
  tracksGeneration: boolean;
  /** PUT without `metadata.resourceVersion` is allowed (built-ins) or refused (custom resources, like the real server). */
  allowUnconditionalUpdate: boolean;
  nameRule: NameRule;
  /** Field labels accepted by fieldSelector. */
  fieldSelectors: ReadonlySet<string>;
  /** Table columns after Name. */
  columns: TableColumn[];
  /** Custom resources: the structural schema from the CRD. */
  schema?: StructuralSchema;
  /** Built-ins: the fields of this version's shape; others are unknown (dropped, warned or refused). */
  knownFields?: FieldTree;
  /** Built-ins whose shape a field tree cannot say (CRDs: recursive schemas): drops unknown fields, returns the reported. */
  pruneUnknownFields?(obj: KubeObject): string[];
  custom: boolean;
  /** Stored shape → the shape this version serves. */
  toView(stored: KubeObject): KubeObject;
  /** The shape this version accepts → stored shape. */
  fromView(obj: KubeObject): KubeObject;
  /** Resource-specific defaulting on create and update (e.g. Secret stringData, Namespace phase). */
  prepare?(obj: KubeObject, old: KubeObject | undefined): void;
  /** Resource-specific validation, beyond metadata and schema. */
  validate?(obj: KubeObject, old: KubeObject | undefined): FieldError[];
  /** Fields of type metav1.MicroTime (paths in this version's shape): the real server refuses other precisions. */
  microTimeFields?: string[][];
}

const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;

/**
 * The decoding error of a MicroTime that is not RFC 3339 with exactly six fractional digits, worded like Go's
 * time.Parse (JavaScript's `toISOString()` has three digits: client-node's V1MicroTime pads it).
 */
export function microTimeError(def: ResourceDef, obj: KubeObject): string | undefined {
  for (const path of def.microTimeFields ?? []) {
    let v: unknown = obj;
    for (const p of path) v = isObject(v) ? v[p] : undefined;
    if (v === undefined || v === null) continue;
    if (typeof v === "string" && MICRO_TIME.test(v)) continue;
    const text = typeof v === "string" ? v : JSON.stringify(v);
    const rest = typeof v === "string" ? v.slice(19) : text;
    return `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: parsing time "${text}" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "${rest}" as ".000000"`;
  }
  return undefined;
}

export const apiVersionOf = (def: Pick<ResourceDef, "group" | "version">): string =>
  def.group ? `${def.group}/${def.version}` : def.version;

export const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

export const ageColumn: TableColumn = {
  name: "Age",
  type: "string",
  description:
    "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.",
  cell: (obj, now) => age(obj.metadata.creationTimestamp, now),
};

export function age(ts: string | undefined, now: number): string | null {
  if (!ts) return "<unknown>";
  const t = Date.parse(ts);
  return Number.isNaN(t) ? null : humanDuration(now - t);
}

const withApiVersion =
  (apiVersion: string) =>
  (obj: KubeObject): KubeObject =>
    obj.apiVersion === apiVersion ? obj : { ...obj, apiVersion };

const BASE_FIELDS = ["metadata.name", "metadata.namespace"];

function builtin(
  d: Partial<ResourceDef> &
    Pick<ResourceDef, "group" | "version" | "plural" | "singular" | "kind" | "namespaced"> & { extraFields?: string[] },
): ResourceDef {
  const apiVersion = apiVersionOf(d);
  const { extraFields, ...rest } = d;
  return {
    listKind: `${d.kind}List`,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    statusSubresource: false,
    storageKey: `${d.group}/${d.plural}`,
    tracksGeneration: false,
    allowUnconditionalUpdate: true,
    nameRule: "subdomain",
    fieldSelectors: new Set([...BASE_FIELDS, ...(extraFields ?? [])]),
    columns: [ageColumn],
    custom: false,
    toView: withApiVersion(apiVersion),
    fromView: withApiVersion(apiVersion),
    ...rest,
  };
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

const dataCount = (obj: KubeObject): number =>
  (isObject(obj.data) ? Object.keys(obj.data).length : 0) +
  (isObject(obj.binaryData) ? Object.keys(obj.binaryData).length : 0);

export const NAMESPACE_FINALIZER = "kubernetes";

const namespaces = builtin({
  group: "",
  version: "v1",
  plural: "namespaces",
  singular: "namespace",
  kind: "Namespace",
  namespaced: false,
  shortNames: ["ns"],
  statusSubresource: true,
  nameRule: "label",
  extraFields: ["status.phase"],
  columns: [
    {
      name: "Status",
      type: "string",
      description: "The status of the namespace",
      cell: (o) => str(isObject(o.status) ? o.status.phase : ""),
    },
    ageColumn,
  ],
  verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
  prepare(obj, old) {
    const labels = { ...(obj.metadata.labels ?? {}) };
    labels["kubernetes.io/metadata.name"] = obj.metadata.name ?? "";
    obj.metadata.labels = labels;
    if (!old) {
      obj.spec = { finalizers: [NAMESPACE_FINALIZER] };
      obj.status = { phase: "Active" };
    } else {
      obj.spec = old.spec;
    }
  },
});

/** `kubectl get events` columns, the same for both views of an Event (core v1 and events.k8s.io/v1). */
const EVENT_COLUMNS: TableColumn[] = [
  { name: "Last Seen", type: "string", cell: (o, now) => age(eventLastSeen(o), now) },
  { name: "Type", type: "string", cell: (o) => str(o.type) },
  { name: "Reason", type: "string", cell: (o) => str(o.reason) },
  { name: "Object", type: "string", cell: (o) => eventObject(o) },
  { name: "Message", type: "string", cell: (o) => str(o.message) },
];

const coreEvents = builtin({
  group: "",
  version: "v1",
  plural: "events",
  singular: "event",
  kind: "Event",
  namespaced: true,
  shortNames: ["ev"],
  nameRule: "subdomain",
  microTimeFields: [["eventTime"], ["series", "lastObservedTime"]],
  knownFields: CORE_EVENT_FIELDS,
  validate: (obj, old) => validateEvent(obj, old, "v1"),
  extraFields: [
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
  ],
  columns: EVENT_COLUMNS,
});

const eventsV1 = builtin({
  group: "events.k8s.io",
  version: "v1",
  plural: "events",
  singular: "event",
  kind: "Event",
  namespaced: true,
  shortNames: ["ev"],
  storageKey: coreEvents.storageKey,
  microTimeFields: [["eventTime"], ["series", "lastObservedTime"]],
  extraFields: [
    "regarding.kind",
    "regarding.namespace",
    "regarding.name",
    "regarding.uid",
    "regarding.apiVersion",
    "reason",
    "reportingController",
    "type",
  ],
  knownFields: EVENTS_V1_FIELDS,
  toView: eventCoreToV1,
  fromView: eventV1ToCore,
  validate: (obj, old) => validateEvent(obj, old, "events.k8s.io/v1"),
  columns: EVENT_COLUMNS,
});

const configMaps = builtin({
  group: "",
  version: "v1",
  plural: "configmaps",
  singular: "configmap",
  kind: "ConfigMap",
  namespaced: true,
  shortNames: ["cm"],
  columns: [{ name: "Data", type: "integer", cell: dataCount }, ageColumn],
});

const secrets = builtin({
  group: "",
  version: "v1",
  plural: "secrets",
  singular: "secret",
  kind: "Secret",
  namespaced: true,
  extraFields: ["type"],
  columns: [
    { name: "Type", type: "string", cell: (o) => str(o.type) },
    { name: "Data", type: "integer", cell: dataCount },
    ageColumn,
  ],
  prepare(obj) {
    // stringData is write-only: merged into data (base64) like the real server does.
    if (isObject(obj.stringData)) {
      const data: Record<string, unknown> = isObject(obj.data) ? { ...obj.data } : {};
      for (const [k, v] of Object.entries(obj.stringData)) data[k] = Buffer.from(String(v)).toString("base64");
      obj.data = data;
      delete obj.stringData;
    }
    if (!obj.type) obj.type = "Opaque";
  },
});

const serviceAccounts = builtin({
  group: "",
  version: "v1",
  plural: "serviceaccounts",
  singular: "serviceaccount",
  kind: "ServiceAccount",
  namespaced: true,
  shortNames: ["sa"],
});

const leases = builtin({
  group: "coordination.k8s.io",
  version: "v1",
  plural: "leases",
  singular: "lease",
  kind: "Lease",
  namespaced: true,
  microTimeFields: [
    ["spec", "acquireTime"],
    ["spec", "renewTime"],
  ],
  knownFields: LEASE_FIELDS,
  validate: validateLease,
  columns: [
    {
      name: "Holder",
      type: "string",
      description: "The holder of the lease",
      cell: (o) => str(isObject(o.spec) ? o.spec.holderIdentity : ""),
    },
    ageColumn,
  ],
});

const crds = builtin({
  group: "apiextensions.k8s.io",
  version: "v1",
  plural: "customresourcedefinitions",
  singular: "customresourcedefinition",
  kind: "CustomResourceDefinition",
  namespaced: false,
  shortNames: ["crd", "crds"],
  categories: ["api-extensions"],
  statusSubresource: true,
  tracksGeneration: true,
  pruneUnknownFields: pruneCrdUnknownFields,
  columns: [
    {
      name: "Created At",
      type: "date",
      cell: (o) => o.metadata.creationTimestamp ?? null,
    },
  ],
});

/**
 * What the Helm chart renders (stored as given, not validated beyond metadata): enough that its output applies here
 * the way it applies to a cluster.
 */
const services = builtin({
  group: "",
  version: "v1",
  plural: "services",
  singular: "service",
  kind: "Service",
  namespaced: true,
  shortNames: ["svc"],
});
const deployments = builtin({
  group: "apps",
  version: "v1",
  plural: "deployments",
  singular: "deployment",
  kind: "Deployment",
  namespaced: true,
  shortNames: ["deploy"],
  statusSubresource: true,
  tracksGeneration: true,
});
const rbac = (kind: string, plural: string, namespaced: boolean) =>
  builtin({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    plural,
    singular: kind.toLowerCase(),
    kind,
    namespaced,
  });
const podDisruptionBudgets = builtin({
  group: "policy",
  version: "v1",
  plural: "poddisruptionbudgets",
  singular: "poddisruptionbudget",
  kind: "PodDisruptionBudget",
  namespaced: true,
  shortNames: ["pdb"],
  statusSubresource: true,
  tracksGeneration: true,
});

/** Built-in resources, every one served from the start. */
export function builtinResources(): ResourceDef[] {
  return [
    namespaces,
    coreEvents,
    configMaps,
    secrets,
    serviceAccounts,
    services,
    leases,
    eventsV1,
    crds,
    deployments,
    rbac("Role", "roles", true),
    rbac("RoleBinding", "rolebindings", true),
    rbac("ClusterRole", "clusterroles", false),
    rbac("ClusterRoleBinding", "clusterrolebindings", false),
    podDisruptionBudgets,
  ];
}

export const NAMESPACES_KEY = namespaces.storageKey;
export const CRDS_KEY = crds.storageKey;
export const EVENTS_KEY = coreEvents.storageKey;
