/**
 * OpenAPI validation of custom resources with ajv: the Kubernetes flavour of OpenAPI v3 turned into JSON Schema
 * (nullable, int-or-string, the formats the real server checks, patterns matched with RE2), and ajv's errors worded
 * the way kube-openapi and apiextensions-apiserver word them (`pkg/apiserver/validation/validation.go`,
 * `kubeOpenAPIResultToFieldErrors`). Pure.
 */
import { Ajv, type ErrorObject } from "ajv";
import { re2CompileError, re2RegExpEngine } from "../re2.js";
import type { FieldError } from "./field-errors.js";
import { goValue as formatValue } from "./field-errors.js";
import { isObject } from "./json.js";

type SchemaNode = Record<string, unknown>;

const child = (path: string, name: string): string => (path ? `${path}.${name}` : name);
const index = (path: string, i: number | string): string => `${path}[${i}]`;

const goTypeName = (v: unknown): string => {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
};

const FORMATS: Record<string, RegExp | ((s: string) => boolean)> = {
  "date-time": /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  datetime: /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  byte: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  uuid: /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/,
  email: /^[^\s@]+@[^\s@]+$/,
  hostname: /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*$/,
  ipv4: /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/,
  ipv6: (s) => s.includes(":") && /^[0-9a-fA-F:.]+$/.test(s),
  uri: /^[a-zA-Z][a-zA-Z0-9+.-]*:\S*$/,
  duration: /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h|d|w))+$/,
};

export function makeAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    verbose: true,
    strict: false,
    logger: false,
    unicodeRegExp: true,
    // The real server compiles and matches patterns with Go's regexp (RE2).
    code: { regExp: re2RegExpEngine },
    validateSchema: false,
    addUsedSchema: false,
  });
  for (const [name, test] of Object.entries(FORMATS))
    ajv.addFormat(name, typeof test === "function" ? { type: "string", validate: test } : test);
  return ajv;
}

/** OpenAPI v3 (Kubernetes flavour) → the JSON Schema ajv validates with: drop extensions, map nullable and int-or-string. */
export function toJsonSchema(node: SchemaNode): SchemaNode {
  const out: SchemaNode = {};
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith("x-kubernetes-") || k === "nullable" || k === "default" || k === "description") continue;
    if (k === "format") {
      // Formats the real server does not check (and numeric ones, which ajv types already cover) are dropped.
      if (typeof v === "string" && v in FORMATS) out.format = v;
      continue;
    }
    if (k === "pattern" && typeof v === "string") {
      // CRD admission refuses a pattern RE2 cannot compile; one that reaches here is a bug, not a pattern to drop.
      const err = re2CompileError(v);
      if (err !== undefined) throw new Error(`pattern ${JSON.stringify(v)} does not compile in RE2: ${err}`);
      out.pattern = v;
      continue;
    }
    if (k === "properties" && isObject(v)) {
      out.properties = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, toJsonSchema(s as SchemaNode)]));
    } else if ((k === "items" || k === "additionalProperties" || k === "not") && isObject(v)) {
      out[k] = toJsonSchema(v);
    } else if ((k === "allOf" || k === "anyOf" || k === "oneOf") && Array.isArray(v)) {
      out[k] = v.map((s) => toJsonSchema(s as SchemaNode));
    } else {
      out[k] = v;
    }
  }
  if (node["x-kubernetes-int-or-string"] === true) {
    delete out.type;
    if (!out.anyOf) out.anyOf = [{ type: "integer" }, { type: "string" }];
  }
  if (node.nullable === true) {
    if (typeof out.type === "string") out.type = [out.type, "null"];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  return out;
}

/** Turns an ajv instance path (JSON pointer) into a Kubernetes field path, using the data to tell indexes from keys. */
function fieldPathOf(pointer: string, root: unknown): string {
  if (!pointer) return "";
  let path = "";
  let cur: unknown = root;
  for (const raw of pointer.slice(1).split("/")) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(cur)) {
      path = index(path, seg);
      cur = cur[Number(seg)];
    } else {
      path = child(path, seg);
      cur = isObject(cur) ? cur[seg] : undefined;
    }
  }
  return path;
}

/** Words an ajv error the way kube-openapi + apiextensions do (`Too many: 6: must have at most 5 items`, ...). */
export function translateAjvError(e: ErrorObject, root: unknown): FieldError | undefined {
  // Branch errors inside anyOf/oneOf/not are summarised by the combinator's own error.
  if (/\/(anyOf|oneOf|not)\/\d*/.test(e.schemaPath) && !/(anyOf|oneOf|not)$/.test(e.schemaPath)) return undefined;
  const field = fieldPathOf(e.instancePath, root);
  const p = e.params as Record<string, unknown>;
  const data = e.data;
  const inBody = (detail: string) => ({
    field,
    reason: "FieldValueInvalid",
    message: `Invalid value: ${formatValue(data)}: ${field || "body"} in body ${detail}`,
  });
  switch (e.keyword) {
    case "required":
      return {
        field: child(field, String(p.missingProperty)),
        reason: "FieldValueRequired",
        message: "Required value",
      };
    case "enum": {
      const allowed = (p.allowedValues as unknown[]).map((v) =>
        JSON.stringify(typeof v === "string" ? v : JSON.stringify(v)),
      );
      return {
        field,
        reason: "FieldValueNotSupported",
        message: `Unsupported value: ${formatValue(data)}: supported values: ${allowed.join(", ")}`,
      };
    }
    case "type": {
      const actual = goTypeName(data);
      const expected = Array.isArray(p.type)
        ? (p.type as string[]).filter((t) => t !== "null").join("/")
        : String(p.type);
      return {
        field,
        reason: "FieldValueTypeInvalid",
        message: `Invalid value: "${actual}": ${field || "body"} in body must be of type ${expected}: "${actual}"`,
      };
    }
    case "maxLength":
      return { field, reason: "FieldValueTooLong", message: `Too long: may not be more than ${p.limit} bytes` };
    case "maxItems":
      return {
        field,
        reason: "FieldValueTooMany",
        message: `Too many: ${Array.isArray(data) ? data.length : "?"}: must have at most ${p.limit} items`,
      };
    case "maxProperties":
      return {
        field,
        reason: "FieldValueTooMany",
        message: `Too many: ${isObject(data) ? Object.keys(data).length : "?"}: must have at most ${p.limit} items`,
      };
    case "minLength":
      return inBody(`should be at least ${p.limit} chars long`);
    case "minItems":
      return inBody(`should have at least ${p.limit} items`);
    case "minProperties":
      return inBody(`should have at least ${p.limit} properties`);
    case "pattern":
      return inBody(`should match '${p.pattern}'`);
    case "minimum":
      return inBody(`should be greater than or equal to ${p.limit}`);
    case "exclusiveMinimum":
      return inBody(`should be greater than ${p.limit}`);
    case "maximum":
      return inBody(`should be less than or equal to ${p.limit}`);
    case "exclusiveMaximum":
      return inBody(`should be less than ${p.limit}`);
    case "multipleOf":
      return inBody(`should be a multiple of ${p.multipleOf}`);
    case "uniqueItems":
      return inBody("shouldn't contain duplicates");
    case "format":
      return inBody(`must be of type ${p.format}: ${formatValue(data)}`);
    case "oneOf":
      return inBody("must validate one and only one schema (oneOf)");
    case "anyOf":
      return inBody("must validate at least one schema (anyOf)");
    case "not":
      return inBody("must not validate the schema (not)");
    default:
      return inBody(e.message ?? e.keyword);
  }
}
