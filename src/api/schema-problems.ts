/**
 * The CLI's reading of the shared schema engine (`schema/structural-schema.ts`, the local API server's): strict field
 * validation (unknown fields are problems, as with `kubectl apply`), then the engine's field errors reworded the way
 * the CLI has always printed them: kubectl-style paths (`.spec.tags[1]`), enum lists cut after a few values, unions
 * naming their members, no "in body" noise. Pure.
 */
import type { FieldError } from "./schema/field-errors.js";
import { deepClone, isObject } from "./schema/json.js";
import type { SchemaNode } from "./schema/schema-node.js";
import type { StructuralSchema } from "./schema/structural-schema.js";

export interface FieldProblem {
  /** kubectl-style field path, e.g. `.spec.userSettings.securityGroups[5]`; "" for the whole document. */
  path: string;
  message: string;
}

const ENUM_SHOWN = 8;
const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

export const jsonType = (v: unknown): string => {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
};

export const quote = (v: unknown): string => (typeof v === "string" ? JSON.stringify(v) : String(JSON.stringify(v)));

function supportedValues(values: unknown[]): string {
  const shown = values.slice(0, ENUM_SHOWN).map(quote).join(", ");
  return values.length > ENUM_SHOWN ? `${shown}, ... (${values.length - ENUM_SHOWN} more)` : shown;
}

/** Where an engine field path (`spec.tags[1]`, `a[key]`) points: the value, its schema and the CLI's path. */
interface Located {
  value: unknown;
  schema: SchemaNode | undefined;
  path: string;
  /** The CLI path of the enclosing object or list ("" at the root). */
  parent: string;
  /** The last segment of the path: a property, map key or index. */
  last: string;
}

const SEGMENT = /\.?([^.[\]]+)|\[([^\]]*)\]/g;

function locate(fieldPath: string, root: unknown, rootSchema: SchemaNode): Located {
  let value = root;
  let schema: SchemaNode | undefined = rootSchema;
  let path = "";
  let parent = "";
  let last = "";
  for (const m of fieldPath.matchAll(SEGMENT)) {
    const seg = (m[1] ?? m[2]) as string;
    parent = path;
    last = seg;
    if (Array.isArray(value) && m[2] !== undefined) {
      path += `[${seg}]`;
      value = value[Number(seg)];
      schema = isObject(schema?.items) ? schema.items : undefined;
    } else {
      path += IDENTIFIER.test(seg) ? `.${seg}` : `[${JSON.stringify(seg)}]`;
      value = isObject(value) ? value[seg] : undefined;
      const known: unknown =
        isObject(schema?.properties) && Object.hasOwn(schema.properties, seg) ? schema.properties[seg] : undefined;
      const additional: unknown = schema?.additionalProperties;
      schema = isObject(known) ? known : isObject(additional) ? additional : undefined;
    }
  }
  return { value, schema, path, parent, last };
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The engine's words for one error -> the CLI's, or undefined to leave the error out. */
function reword(e: FieldError, at: Located): string {
  const members = () => Object.keys(isObject(at.schema?.properties) ? at.schema.properties : {}).join(", ");
  if (e.reason === "FieldValueTypeInvalid") {
    const expected = /must be of type (\S+): "[^"]*"$/.exec(e.message)?.[1];
    if (expected) return `Invalid value: "${jsonType(at.value)}": must be of type ${expected}`;
  }
  if (e.reason === "FieldValueNotSupported" && Array.isArray(at.schema?.enum))
    return `Unsupported value: ${quote(at.value)}: supported values: ${supportedValues(at.schema.enum)}`;
  // Only unions bound their number of properties (exactly one member): name the members so the fix is obvious.
  if (e.reason === "FieldValueTooMany" && isObject(at.value)) return `${e.message} (set exactly one of ${members()})`;
  const inBody = new RegExp(`^Invalid value: (.*): ${escapeRegExp(e.field || "body")} in body (.*)$`, "s").exec(
    e.message,
  );
  if (inBody) {
    const [, shown, detail] = inBody as unknown as [string, string, string];
    if (/^should have at least \d+ properties$/.test(detail)) return `Required value: set exactly one of ${members()}`;
    if (/^should have at least \d+ items$/.test(detail) && Array.isArray(at.value))
      return `Invalid value: ${at.value.length}: ${detail}`;
    const format = /^must be of type (\S+): /.exec(detail)?.[1];
    if (format) return `Invalid value: ${shown}: must be of format ${format}`;
    return `Invalid value: ${shown}: ${detail}`;
  }
  return e.message;
}

/** A CEL rule that failed to run (a missing key...): noise when the value is refused for a reason of its own. */
const isRuleRuntimeError = (e: FieldError): boolean =>
  e.reason === "FieldValueInvalid" && / evaluating rule: /.test(e.message);

const under = (path: string, parent: string): boolean => path.startsWith(`${parent}.`) || path.startsWith(`${parent}[`);

const directChild = (path: string, parent: string): boolean =>
  under(path, parent) && /^(\.[^.[]+|\[[^\]]*\])$/.test(path.slice(parent.length));

/**
 * Validates `document` (not changed) against `schema` as the API server does on create with strict field validation:
 * unknown fields, defaults, OpenAPI validation, list types and the CEL rules that need no old object.
 */
export function schemaProblems(schema: StructuralSchema, document: Record<string, unknown>): FieldProblem[] {
  const obj = deepClone(document);
  const unknownFields = schema.prune(obj);
  schema.applyDefaults(obj);
  const errors = schema.validate(obj);
  const located = errors.map((e) => ({ error: e, at: locate(e.field, obj, schema.root) }));
  // A value of the wrong type makes its enum/pattern/length errors noise: keep the type error alone.
  const typeErrorAt = new Set(located.filter((l) => l.error.reason === "FieldValueTypeInvalid").map((l) => l.at.path));
  let problems: FieldProblem[] = located
    .filter((l) => l.error.reason === "FieldValueTypeInvalid" || !typeErrorAt.has(l.at.path))
    .map((l) => ({ path: l.at.path, message: reword(l.error, l.at), runtime: isRuleRuntimeError(l.error) }))
    .filter((p, _, all) => !p.runtime || !all.some((o) => !o.runtime && (o.path === p.path || under(o.path, p.path))))
    .map(({ path, message }) => ({ path, message }));

  // Unknown fields: each before the first problem inside its object, except the object's own missing fields.
  for (const u of unknownFields.map((f) => locate(f, document, schema.root))) {
    const problem = { path: u.path, message: `unknown field "${u.last}"` };
    const at = problems.findIndex(
      (p) => under(p.path, u.parent) && !(p.message === "Required value" && directChild(p.path, u.parent)),
    );
    problems = at < 0 ? [...problems, problem] : [...problems.slice(0, at), problem, ...problems.slice(at)];
  }
  return problems;
}
