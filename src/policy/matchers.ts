/**
 * How a policy entry matches a value, beyond plain globs (glob.ts): `{namespace}` substitution, path-segment prefixes
 * for S3 URIs and file system paths, integer ranges for POSIX ids, case-insensitive tag keys. Pure.
 */
import { globMatch } from "./glob.js";

/** The placeholder a pattern may use for the namespace of the resource being checked. */
export const NAMESPACE_PLACEHOLDER = "{namespace}";

/** A pattern with `{namespace}` replaced (namespace names are DNS labels: no glob metacharacter can come in). */
export const substitute = (pattern: string, namespace: string): string =>
  pattern.replaceAll(NAMESPACE_PLACEHOLDER, namespace);

interface SplitPath {
  /** `s3://bucket` for a URI, "" for an absolute path. */
  root: string;
  segments: string[];
}

/**
 * `s3://bucket/a/b/` -> root `s3://bucket`, segments [a, b]; `/a/b` -> root "", segments [a, b]. Undefined when the
 * path is not plainly a path: an empty, `.` or `..` segment, or one holding `/` or `\` once percent-decoded. S3 keeps
 * such keys literally, but a tool that decodes or normalises URLs or paths would resolve them somewhere else than the
 * policy author meant, so they match no prefix (fail closed).
 */
export function splitPath(value: string): SplitPath | undefined {
  let root = "";
  let rest = value;
  const scheme = value.indexOf("://");
  if (scheme >= 0) {
    const slash = value.indexOf("/", scheme + 3);
    root = slash < 0 ? value : value.slice(0, slash);
    rest = slash < 0 ? "" : value.slice(slash);
    if (root.length === scheme + 3) return undefined;
  } else if (!value.startsWith("/")) return undefined;
  const segments = rest.split("/").slice(1);
  if (segments.at(-1) === "") segments.pop();
  for (const segment of segments) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return undefined;
    }
    if (decoded === "" || decoded === "." || decoded === ".." || decoded.includes("/") || decoded.includes("\\"))
      return undefined;
  }
  return { root, segments };
}

/**
 * Whether `value` is `prefix` or below it, comparing whole path segments: `s3://team-a/studio/` allows
 * `s3://team-a/studio/x` but not `s3://team-a/studio-evil/x` nor `s3://team-a-evil/studio/x`.
 */
export function pathPrefixMatch(prefix: string, value: string): boolean {
  const p = splitPath(prefix);
  const v = splitPath(value);
  if (!p || !v || p.root !== v.root || p.segments.length > v.segments.length) return false;
  return p.segments.every((segment, i) => segment === v.segments[i]);
}

/** A URL or path with a `.` or `..` segment (also percent-encoded), which a client would resolve elsewhere. */
export function hasDotSegments(value: string): boolean {
  return value
    .replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "")
    .split("/")
    .some((segment) => {
      try {
        const decoded = decodeURIComponent(segment);
        return decoded === "." || decoded === "..";
      } catch {
        return true;
      }
    });
}

/** An inclusive integer range of a policy, e.g. `{min: 10000, max: 19999}`. */
export interface IdRange {
  min: number;
  max: number;
}

export const isRange = (r: unknown): r is IdRange =>
  typeof r === "object" &&
  r !== null &&
  typeof (r as IdRange).min === "number" &&
  typeof (r as IdRange).max === "number";

export const inRanges = (ranges: readonly unknown[], value: unknown): boolean =>
  typeof value === "number" && ranges.some((r) => isRange(r) && r.min <= value && value <= r.max);

/**
 * Tag keys are compared ignoring case: IAM context key names are not case-sensitive (IAM User Guide, "IAM JSON policy
 * elements: Condition"), so an ABAC condition on `aws:ResourceTag/team` also reads a tag named `Team`.
 */
export const tagKeyMatch = (pattern: string, key: string): boolean =>
  globMatch(pattern.toLowerCase(), key.toLowerCase());
