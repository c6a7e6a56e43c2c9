/**
 * The SageMaker API model (botocore service-2.json) as data: shape lookup, a walker used by the spec <-> SageMaker
 * mapping and the drift engine, and request validation the way the service does it (used by the emulator).
 */
import modelJson from "./generated/model.json" with { type: "json" };
import { type PatternTest, re2Equivalent, re2WholeMatch } from "./re2.js";

export interface MemberRef {
  shape: string;
}
export interface Shape {
  type: "structure" | "string" | "list" | "integer" | "long" | "boolean" | "timestamp";
  members?: Record<string, MemberRef>;
  required?: string[];
  member?: MemberRef;
  enum?: string[];
  pattern?: string;
  min?: number;
  max?: number;
  union?: boolean;
  exception?: boolean;
}
export interface Operation {
  name: string;
  input?: MemberRef;
  output?: MemberRef;
  errors?: MemberRef[];
}

const shapes = (modelJson as unknown as { shapes: Record<string, Shape> }).shapes;
/** Every shape of the model by name, for walks over the whole model (read-only). */
export const modelShapes: Readonly<Record<string, Shape>> = shapes;
export const operations = (modelJson as unknown as { operations: Record<string, Operation> }).operations;

export function shape(name: string): Shape {
  const s = shapes[name];
  if (!s) throw new Error(`SageMaker model has no shape ${name}`);
  return s;
}

/** The resource's field name for a SageMaker member: first letter lower-cased (S3OutputPath -> s3OutputPath). */
export const specName = (member: string): string => member.charAt(0).toLowerCase() + member.slice(1);
/** The inverse of specName: every SageMaker member name starts with an upper-case letter. */
export const wireName = (field: string): string => field.charAt(0).toUpperCase() + field.slice(1);

/**
 * A whole-value test for a model pattern, as SageMaker checks it, with RE2 semantics (linear time). A model pattern
 * RE2 cannot compile is first rewritten into its proven equivalent for the shape's maxLength (re2Equivalent).
 */
export function modelPatternTest(pattern: string, maxLength?: number): PatternTest {
  return re2WholeMatch(re2Equivalent(pattern, maxLength));
}

export interface ModelViolation {
  /** Dotted wire path, e.g. `UserSettings.SecurityGroups[5]`. */
  path: string;
  message: string;
}

/**
 * Validates a value against a shape as SageMaker does (required members, enum, pattern, length, range, list size,
 * unknown members, union arity). Returns every violation, in document order.
 */
export function validateShape(shapeName: string, value: unknown, path = ""): ModelViolation[] {
  const out: ModelViolation[] = [];
  // Strings and lists: SageMaker's messages for a length out of the shape's min..max.
  const checkLength = (s: Shape, length: number, at: string) => {
    if (s.min !== undefined && length < s.min)
      out.push({
        path: at,
        message: `failed to satisfy constraint: Member must have length greater than or equal to ${s.min}`,
      });
    if (s.max !== undefined && length > s.max)
      out.push({
        path: at,
        message: `failed to satisfy constraint: Member must have length less than or equal to ${s.max}`,
      });
  };
  const walk = (name: string, v: unknown, p: string) => {
    const s = shape(name);
    const at = p || "request";
    switch (s.type) {
      case "string": {
        if (typeof v !== "string") return void out.push({ path: at, message: "must be a string" });
        if (s.enum && !s.enum.includes(v))
          out.push({
            path: at,
            message: `failed to satisfy constraint: Member must satisfy enum value set: [${s.enum.join(", ")}]`,
          });
        checkLength(s, v.length, at);
        if (s.pattern !== undefined && !modelPatternTest(s.pattern, s.max).test(v))
          out.push({
            path: at,
            message: `failed to satisfy constraint: Member must satisfy regular expression pattern: ${s.pattern}`,
          });
        return;
      }
      case "integer":
      case "long": {
        if (typeof v !== "number" || !Number.isInteger(v))
          return void out.push({ path: at, message: "must be an integer" });
        if (s.min !== undefined && v < s.min)
          out.push({
            path: at,
            message: `failed to satisfy constraint: Member must have value greater than or equal to ${s.min}`,
          });
        if (s.max !== undefined && v > s.max)
          out.push({
            path: at,
            message: `failed to satisfy constraint: Member must have value less than or equal to ${s.max}`,
          });
        return;
      }
      case "boolean":
        if (typeof v !== "boolean") out.push({ path: at, message: "must be a boolean" });
        return;
      case "timestamp":
        if (typeof v !== "number" && typeof v !== "string") out.push({ path: at, message: "must be a timestamp" });
        return;
      case "list": {
        if (!Array.isArray(v)) return void out.push({ path: at, message: "must be a list" });
        checkLength(s, v.length, at);
        for (const [i, item] of v.entries()) walk(s.member?.shape ?? "", item, `${p}[${i}]`);
        return;
      }
      case "structure": {
        if (typeof v !== "object" || v === null || Array.isArray(v))
          return void out.push({ path: at, message: "must be a structure" });
        const members = s.members ?? {};
        const obj = v as Record<string, unknown>;
        for (const r of s.required ?? [])
          if (obj[r] === undefined || obj[r] === null)
            out.push({ path: p ? `${p}.${r}` : r, message: "failed to satisfy constraint: Member must not be null" });
        const present = Object.keys(obj).filter((k) => obj[k] !== undefined && obj[k] !== null);
        if (s.union && present.length !== 1)
          out.push({ path: at, message: `exactly one member must be set, got ${present.length}` });
        for (const k of present) {
          const ref = memberRef(members, k);
          const kp = p ? `${p}.${k}` : k;
          if (!ref) out.push({ path: kp, message: "is not a known member" });
          else walk(ref.shape, obj[k], kp);
        }
        return;
      }
    }
  };
  walk(shapeName, value, path);
  return out;
}

/**
 * A structure's member by name, own members only: data keys such as `valueOf` or `constructor` must not find
 * Object.prototype's functions and be taken for members.
 */
export const memberRef = (members: Record<string, MemberRef> | undefined, name: string): MemberRef | undefined =>
  members && Object.hasOwn(members, name) ? members[name] : undefined;

/** Renames the keys of a value of the given shape, recursively, following the model (not a blind case change). */
export function renameKeys(
  shapeName: string,
  value: unknown,
  rename: (key: string) => string,
  fromKey: (k: string) => string,
): unknown {
  const s = shape(shapeName);
  if (value === null || value === undefined) return value;
  if (s.type === "list" && Array.isArray(value))
    return value.map((v) => renameKeys(s.member?.shape ?? "", v, rename, fromKey));
  if (s.type === "structure" && typeof value === "object" && !Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const member = fromKey(k);
      const ref = memberRef(s.members, member);
      // Members the model does not know (a newer API answer) are dropped: the operator cannot declare them.
      if (!ref || v === undefined) continue;
      out[rename(member)] = renameKeys(ref.shape, v, rename, fromKey);
    }
    return out;
  }
  return value;
}
