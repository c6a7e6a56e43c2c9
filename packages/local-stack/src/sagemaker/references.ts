/**
 * Resources a profile's settings name by ARN, name or id (images, image versions, app image configs, studio lifecycle
 * configs, file systems). Whether SageMaker checks they exist is undocumented (docs/fidelity.md, "Cases no one here
 * wrote"), so it is the mode `referencedResources`: `unchecked` (only the model's patterns) or `checked` against what
 * the admin seeded. Secrets and KMS keys are not among them: a profile names them only in Canvas settings, and no
 * seeding exists for them.
 */
import type { UserSettings } from "../../../../src/api/generated/sagemaker-shapes.js";
import { validateShape } from "../../../../src/api/model.js";
import { CLEARED } from "../../../../src/drift/member-groups.js";
import { invalid } from "./errors.js";

/** What the admin seeds: `POST /_admin/resources`. Each list adds to what is seeded. */
export interface AdminResources {
  /** Image ARNs (`arn:aws:sagemaker:<region>:<account>:image/<name>`); a CustomImage's ImageName is this account's. */
  images?: string[];
  /** Image version ARNs (`.../image-version/<name>/<n>`). */
  imageVersions?: string[];
  appImageConfigs?: string[];
  /** Studio lifecycle config ARNs. */
  lifecycleConfigs?: string[];
  /** EFS or FSx for Lustre file system ids. */
  fileSystems?: string[];
}
export type ResourceKind = keyof AdminResources;

/** The model's shape each kind's entries must satisfy. */
const SHAPE_OF: Record<ResourceKind, string> = {
  images: "ImageArn",
  imageVersions: "ImageVersionArn",
  appImageConfigs: "AppImageConfigName",
  lifecycleConfigs: "StudioLifecycleConfigArn",
  fileSystems: "FileSystemId",
};
const NOUN: Record<ResourceKind, string> = {
  images: "image",
  imageVersions: "image version",
  appImageConfigs: "app image config",
  lifecycleConfigs: "studio lifecycle config",
  fileSystems: "file system",
};

export class ReferencedResources {
  private readonly seeded = new Map<ResourceKind, Set<string>>(
    (Object.keys(SHAPE_OF) as ResourceKind[]).map((k) => [k, new Set()]),
  );

  /** Adds every entry; an unknown kind or an entry outside its model shape is refused and nothing is added. */
  register(input: unknown): void {
    if (typeof input !== "object" || input === null || Array.isArray(input))
      throw invalid("resources must be an object of kind -> list");
    const entries = Object.entries(input);
    for (const [kind, list] of entries) {
      const shape = SHAPE_OF[kind as ResourceKind];
      if (!shape) throw invalid(`Unknown resource kind ${kind}; known: ${Object.keys(SHAPE_OF).join(", ")}`);
      if (!Array.isArray(list)) throw invalid(`${kind} must be a list`);
      for (const [i, v] of list.entries()) {
        const problems = validateShape(shape, v, `${kind}[${i}]`);
        if (problems.length > 0 || v === CLEARED)
          throw invalid(`${kind}[${i}] ${JSON.stringify(v)} is not a valid ${NOUN[kind as ResourceKind]}`);
      }
    }
    for (const [kind, list] of entries) for (const v of list as string[]) this.seeded.get(kind as ResourceKind)?.add(v);
  }

  has(kind: ResourceKind, id: string): boolean {
    return this.seeded.get(kind)?.has(id) === true;
  }

  list(): Required<AdminResources> {
    return Object.fromEntries([...this.seeded].map(([k, s]) => [k, [...s].sort()])) as Required<AdminResources>;
  }
}

/** One reference in a request: where it is (AWS path), what kind, and the id the seeded set must hold. */
export interface Reference {
  path: string;
  kind: ResourceKind;
  id: string;
}

/**
 * Every reference in `settings`, found by member name wherever it appears (the resource specs of every app, the
 * lifecycle config lists, custom images, custom file systems). `imageArn(name)` / `imageVersionArn(name, n)` spell a
 * CustomImage's image in the caller's account and region.
 */
export function referencesIn(
  settings: UserSettings | undefined,
  imageArn: (name: string) => string,
  imageVersionArn: (name: string, version: number) => string,
): Reference[] {
  const out: Reference[] = [];
  const walk = (v: unknown, path: string, parent: string) => {
    if (Array.isArray(v)) {
      for (const [i, item] of v.entries()) walk(item, `${path}[${i}]`, parent);
      return;
    }
    if (v === null || typeof v !== "object") return;
    const o = v as Record<string, unknown>;
    for (const [key, value] of Object.entries(o)) {
      const at = `${path}.${key}`;
      if (typeof value === "string") {
        if (key === "SageMakerImageArn") out.push({ path: at, kind: "images", id: value });
        else if (key === "SageMakerImageVersionArn" && value !== CLEARED)
          out.push({ path: at, kind: "imageVersions", id: value });
        else if ((key === "LifecycleConfigArn" || key === "BuiltInLifecycleConfigArn") && value !== CLEARED)
          out.push({ path: at, kind: "lifecycleConfigs", id: value });
        else if (key === "AppImageConfigName") out.push({ path: at, kind: "appImageConfigs", id: value });
        else if (key === "ImageName" && parent === "CustomImages") {
          out.push({ path: at, kind: "images", id: imageArn(value) });
          if (typeof o.ImageVersionNumber === "number")
            out.push({
              path: `${path}.ImageVersionNumber`,
              kind: "imageVersions",
              id: imageVersionArn(value, o.ImageVersionNumber),
            });
        } else if (key === "FileSystemId") out.push({ path: at, kind: "fileSystems", id: value });
      } else if (key === "LifecycleConfigArns" && Array.isArray(value)) {
        for (const [i, arn] of value.entries())
          if (typeof arn === "string") out.push({ path: `${at}[${i}]`, kind: "lifecycleConfigs", id: arn });
      } else walk(value, at, key);
    }
  };
  walk(settings, "UserSettings", "");
  return out;
}

/**
 * Under `checked`: a ValidationException naming the first reference that was not seeded. The code: CreateUserProfile
 * documents no ResourceNotFound (only ResourceInUse and ResourceLimitExceeded), and ValidationException is common to
 * every action. The wording is the emulator's own; no SageMaker answer for this case was found.
 */
export function assertReferencesExist(
  seeded: ReferencedResources,
  settings: UserSettings | undefined,
  arns: { image: (name: string) => string; imageVersion: (name: string, version: number) => string },
): void {
  for (const ref of referencesIn(settings, arns.image, arns.imageVersion))
    if (!seeded.has(ref.kind, ref.id))
      throw invalid(`The ${NOUN[ref.kind]} ${ref.id} named at ${ref.path} does not exist.`);
}
