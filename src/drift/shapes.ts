/**
 * How the drift engine treats each SageMaker shape, read from the model: a structure compares member by member, a
 * list of scalars compares as a set, a list of structures compares keyed and order-insensitive. Only the key table
 * below is written by hand.
 */
import { shape, specName } from "../api/model.js";

export interface Member {
  /** SageMaker member name (PascalCase). */
  wire: string;
  /** Resource field name (lowerCamelCase). */
  spec: string;
  /** Shape of the member's value. */
  shape: string;
}

export type Kind =
  | { kind: "struct"; members: Member[]; union: boolean }
  | { kind: "set" }
  | { kind: "keyed"; element: string; keys: string[][] }
  | { kind: "scalar" };

/**
 * The identity of an element in a list of structures, as spec paths inside the element. An element matches an
 * observed one when every key path it declares has the same value there; an element that declares none of its key
 * paths (and a list whose element shape is not listed) is identified by all of its declared fields instead.
 */
const LIST_KEYS: Record<string, string[][]> = {
  CustomImage: [["imageName"], ["appImageConfigName"]],
  CodeRepository: [["repositoryUrl"]],
  // A union: the key path names the member, so an EFS and an FSx config with the same id never match.
  CustomFileSystemConfig: [
    ["eFSFileSystemConfig", "fileSystemId"],
    ["fSxLustreFileSystemConfig", "fileSystemId"],
    ["s3FileSystemConfig", "s3Uri"],
  ],
  IdentityProviderOAuthSetting: [["dataSourceName"]],
  HiddenSageMakerImage: [["sageMakerImageName"]],
};

const cache = new Map<string, Kind>();

export function kindOf(shapeName: string): Kind {
  let k = cache.get(shapeName);
  if (!k) {
    k = classify(shapeName);
    cache.set(shapeName, k);
  }
  return k;
}

function classify(shapeName: string): Kind {
  const s = shape(shapeName);
  if (s.type === "structure") {
    const members = Object.entries(s.members ?? {}).map(([wire, ref]) => ({
      wire,
      spec: specName(wire),
      shape: ref.shape,
    }));
    return { kind: "struct", members, union: s.union === true };
  }
  if (s.type === "list") {
    const element = s.member?.shape ?? "";
    if (shape(element).type !== "structure") return { kind: "set" };
    return { kind: "keyed", element, keys: LIST_KEYS[element] ?? [] };
  }
  return { kind: "scalar" };
}

/** The members of the top-level `UserSettings` structure, in model order. */
export function userSettingsMembers(): Member[] {
  const k = kindOf("UserSettings");
  return k.kind === "struct" ? k.members : [];
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
