/** Discovery documents: /version, /api, /api/v1, /apis, /apis/<group>, /apis/<group>/<version>. Pure. */
import { createHash } from "node:crypto";
import type { Registry } from "./registry.js";
import type { ResourceDef } from "./resources.js";

export const KUBE_VERSION = { major: "1", minor: "35", gitVersion: "v1.35.0" };

export function versionInfo() {
  return {
    major: KUBE_VERSION.major,
    minor: KUBE_VERSION.minor,
    emulationMajor: KUBE_VERSION.major,
    emulationMinor: KUBE_VERSION.minor,
    minCompatibilityMajor: KUBE_VERSION.major,
    minCompatibilityMinor: String(Number(KUBE_VERSION.minor) - 1),
    gitVersion: KUBE_VERSION.gitVersion,
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2026-01-01T00:00:00Z",
    goVersion: "go1.25.0",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

export function apiVersions(serverAddress: string) {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

const storageVersionHash = (def: ResourceDef): string =>
  createHash("sha256").update(`${def.group}/${def.version}/${def.kind}`).digest("base64").slice(0, 11);

function apiResources(def: ResourceDef) {
  const main: Record<string, unknown> = {
    name: def.plural,
    singularName: def.singular,
    namespaced: def.namespaced,
    kind: def.kind,
    verbs: def.verbs,
    storageVersionHash: storageVersionHash(def),
  };
  if (def.shortNames.length) main.shortNames = def.shortNames;
  if (def.categories.length) main.categories = def.categories;
  const out: Array<Record<string, unknown>> = [main];
  if (def.statusSubresource)
    out.push({
      name: `${def.plural}/status`,
      singularName: "",
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: ["get", "patch", "update"],
    });
  return out;
}

export function apiResourceList(registry: Registry, group: string, version: string) {
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group ? `${group}/${version}` : version,
    resources: registry
      .resources(group, version)
      .sort((a, b) => (a.plural < b.plural ? -1 : 1))
      .flatMap(apiResources),
  };
}

function apiGroup(name: string, versions: string[]) {
  const entries = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: entries, preferredVersion: entries[0] };
}

export function apiGroupList(registry: Registry) {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: registry.groups().map((g) => apiGroup(g.name, g.versions)),
  };
}

export function apiGroupDoc(registry: Registry, group: string) {
  const g = registry.groups().find((x) => x.name === group);
  return g ? { kind: "APIGroup", apiVersion: "v1", ...apiGroup(g.name, g.versions) } : undefined;
}
