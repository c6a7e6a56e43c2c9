/** Which resources are served, by group/version/plural: the built-ins plus those of every accepted CRD. */
import { compareKubeVersions } from "./meta.js";
import type { ResourceDef } from "./resources.js";

export interface GroupInfo {
  name: string;
  /** Versions, preferred first. */
  versions: string[];
}

export class Registry {
  private readonly byGroupVersion = new Map<string, Map<string, ResourceDef>>();
  private readonly builtinGroups: string[] = [];
  private readonly fromCrd = new Map<string, ResourceDef[]>();
  /** Bumped on every change, so discovery and OpenAPI documents can be cached. */
  generation = 0;

  constructor(builtins: ResourceDef[]) {
    for (const def of builtins) {
      this.add(def);
      if (def.group && !this.builtinGroups.includes(def.group)) this.builtinGroups.push(def.group);
    }
  }

  private add(def: ResourceDef): void {
    const gv = `${def.group}/${def.version}`;
    let m = this.byGroupVersion.get(gv);
    if (!m) {
      m = new Map();
      this.byGroupVersion.set(gv, m);
    }
    m.set(def.plural, def);
    this.generation++;
  }

  lookup(group: string, version: string, plural: string): ResourceDef | undefined {
    return this.byGroupVersion.get(`${group}/${version}`)?.get(plural);
  }

  resources(group: string, version: string): ResourceDef[] {
    return [...(this.byGroupVersion.get(`${group}/${version}`)?.values() ?? [])];
  }

  hasGroupVersion(group: string, version: string): boolean {
    return (this.byGroupVersion.get(`${group}/${version}`)?.size ?? 0) > 0;
  }

  all(): ResourceDef[] {
    return [...this.byGroupVersion.values()].flatMap((m) => [...m.values()]);
  }

  /** Named API groups (not the core group), built-ins first, then custom groups by name. */
  groups(): GroupInfo[] {
    const versions = new Map<string, Set<string>>();
    for (const [gv, m] of this.byGroupVersion) {
      if (m.size === 0) continue;
      const slash = gv.lastIndexOf("/");
      const group = gv.slice(0, slash);
      if (!group) continue;
      let set = versions.get(group);
      if (!set) {
        set = new Set();
        versions.set(group, set);
      }
      set.add(gv.slice(slash + 1));
    }
    const custom = [...versions.keys()].filter((g) => !this.builtinGroups.includes(g)).sort();
    return [...this.builtinGroups.filter((g) => versions.has(g)), ...custom].map((name) => ({
      name,
      versions: [...(versions.get(name) ?? [])].sort(compareKubeVersions),
    }));
  }

  /** Replaces what the CRD `crdName` serves. */
  setCrd(crdName: string, defs: ResourceDef[]): void {
    this.removeCrd(crdName);
    for (const def of defs) this.add(def);
    this.fromCrd.set(crdName, defs);
  }

  removeCrd(crdName: string): void {
    for (const def of this.fromCrd.get(crdName) ?? []) {
      const m = this.byGroupVersion.get(`${def.group}/${def.version}`);
      m?.delete(def.plural);
      if (m?.size === 0) this.byGroupVersion.delete(`${def.group}/${def.version}`);
      this.generation++;
    }
    this.fromCrd.delete(crdName);
  }

  crdResources(crdName: string): ResourceDef[] {
    return this.fromCrd.get(crdName) ?? [];
  }
}
