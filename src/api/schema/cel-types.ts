/**
 * The CEL type of a schema node as the real server declares it for `x-kubernetes-validations`, after
 * `k8s.io/apiserver/pkg/cel/common/schemas.go` (`SchemaDeclType`: max sizes from maxLength/maxItems/maxProperties or
 * estimated from the 3 MiB request limit, minimum serialized sizes), `pkg/cel/types.go` and `pkg/cel/escaping.go`
 * (property names in CEL). Registers those types in a cel-js environment and converts JSON values to them. Pure.
 */
import type { Environment } from "@marcbachmann/cel-js";
import { isObject } from "./json.js";
import {
  additionalSchema,
  flag,
  itemsOf,
  listOf,
  present,
  propertiesOf,
  type SchemaNode,
  str,
  typeOf,
} from "./schema-node.js";

/** `k8s.io/apiserver/pkg/apis/cel/config.go` MaxRequestSizeBytes. */
export const MAX_REQUEST_SIZE_BYTES = 3 * 1024 * 1024;

export type DeclKind =
  | "object"
  | "list"
  | "map"
  | "string"
  | "bytes"
  | "int"
  | "uint"
  | "double"
  | "bool"
  | "duration"
  | "timestamp"
  | "dyn";

export interface DeclField {
  /** The property name in JSON (the CEL name is its escaped form, the key of `fields`). */
  jsonName: string;
  type: DeclType;
}

export interface DeclType {
  kind: DeclKind;
  /** The type as cel-js spells it (object types are registered under this name). */
  celName: string;
  maxElements: number;
  minSerializedSize: number;
  fields?: Map<string, DeclField>;
  elem?: DeclType;
  key?: DeclType;
  listType?: string;
  /** For object types once registered: the class cel-js knows values of this type by. */
  ctor?: new (
    fields: Record<string, unknown>,
  ) => object;
}

const simple = (kind: DeclKind, celName: string, minSize: number, maxElements = 0): DeclType => ({
  kind,
  celName,
  maxElements,
  minSerializedSize: minSize,
});

export const STRING_TYPE = simple("string", "string", 2);
export const TIMESTAMP_CEL = "google.protobuf.Timestamp";
export const DURATION_CEL = "google.protobuf.Duration";

const RESERVED = new Set([
  "true",
  "false",
  "null",
  "in",
  "as",
  "break",
  "const",
  "continue",
  "else",
  "for",
  "function",
  "if",
  "import",
  "let",
  "loop",
  "package",
  "namespace",
  "return",
  "var",
  "void",
  "while",
]);

/** Keywords the CEL parser reads as literals or operators, so never as a field name. */
const LITERAL_KEYWORDS = new Set(["true", "false", "null", "in"]);

/** A property name as CEL sees it (`a-b` → `a__dash__b`), or undefined when CEL cannot name it. */
export function escapeName(ident: string): string | undefined {
  if (ident.length === 0 || /^[0-9]/.test(ident)) return undefined;
  if (RESERVED.has(ident)) return `__${ident}__`;
  if (!/^[a-zA-Z0-9_./-]*$/.test(ident)) return undefined;
  return ident.replace(/__|[-./]/g, (s) =>
    s === "__" ? "__underscores__" : s === "." ? "__dot__" : s === "-" ? "__dash__" : "__slash__",
  );
}

const maxLength = (s: SchemaNode): number | undefined =>
  typeof s.maxLength === "number" ? Math.max(0, s.maxLength) : undefined;
const zeroIfNegative = (n: number): number => Math.max(0, n);

function stringMaxElements(s: SchemaNode): number {
  const ml = maxLength(s);
  if (ml !== undefined) return ml * 4; // maxLength counts code points; a code point takes up to 4 bytes
  const e = listOf(s, "enum");
  if (e.length > 0) return Math.max(0, ...e.map((v) => (typeof v === "string" ? v.length : 0)));
  return MAX_REQUEST_SIZE_BYTES - 2;
}

/** Adds apiVersion, kind and metadata.{name,generateName} to a resource root, as rules can always read them. */
function withTypeAndObjectMeta(s: SchemaNode): SchemaNode {
  const props = propertiesOf(s) ?? {};
  const isType = (n: unknown, t: string) => isObject(n) && n.type === t;
  const meta = props.metadata;
  if (
    isType(props.kind, "string") &&
    isType(props.apiVersion, "string") &&
    isType(meta, "object") &&
    isObject(meta) &&
    isType(propertiesOf(meta)?.name, "string") &&
    isType(propertiesOf(meta)?.generateName, "string")
  )
    return s;
  return {
    ...s,
    properties: {
      ...props,
      kind: { type: "string" },
      apiVersion: { type: "string" },
      metadata: { type: "object", properties: { name: { type: "string" }, generateName: { type: "string" } } },
    },
  };
}

/** SchemaDeclType: the CEL type of a schema, or undefined when rules cannot see it. `name` names object types. */
export function declTypeOf(s: SchemaNode, isResourceRoot: boolean, name = "selfType"): DeclType | undefined {
  if (flag(s, "x-kubernetes-int-or-string"))
    return simple("dyn", "dyn", 1, maxLength(s) !== undefined ? stringMaxElements(s) : MAX_REQUEST_SIZE_BYTES - 2);
  const node = isResourceRoot ? withTypeAndObjectMeta(s) : s;
  switch (typeOf(node)) {
    case "array": {
      const items = itemsOf(node);
      if (!items) return undefined;
      const elem = declTypeOf(items, flag(items, "x-kubernetes-embedded-resource"), `${name}.items`);
      if (!elem) return undefined;
      const maxItems =
        typeof node.maxItems === "number"
          ? zeroIfNegative(node.maxItems)
          : Math.floor((MAX_REQUEST_SIZE_BYTES - 2) / (elem.minSerializedSize + 1));
      return {
        kind: "list",
        celName: `list<${elem.celName}>`,
        maxElements: maxItems,
        minSerializedSize: 2,
        elem,
        listType: str(node, "x-kubernetes-list-type") || "atomic",
      };
    }
    case "object": {
      const add = additionalSchema(node);
      if (add) {
        const elem = declTypeOf(add, flag(add, "x-kubernetes-embedded-resource"), `${name}.values`);
        if (!elem) return undefined;
        const maxProps =
          typeof node.maxProperties === "number"
            ? zeroIfNegative(node.maxProperties)
            : Math.floor((MAX_REQUEST_SIZE_BYTES - 2) / (elem.minSerializedSize + 6));
        return {
          kind: "map",
          celName: `map<string, ${elem.celName}>`,
          maxElements: maxProps,
          minSerializedSize: 2,
          key: STRING_TYPE,
          elem,
        };
      }
      const required = new Set(listOf(node, "required"));
      const fields = new Map<string, DeclField>();
      let minSize = 2;
      for (const [prop, ps] of Object.entries(propertiesOf(node) ?? {})) {
        if (!isObject(ps)) continue;
        const escaped = escapeName(prop);
        const t = declTypeOf(ps, flag(ps, "x-kubernetes-embedded-resource"), `${name}.${escaped ?? "_"}`);
        if (!t) continue;
        if (escaped) fields.set(escaped, { jsonName: prop, type: t });
        // Since Kubernetes 1.31 a keyword other than true/false/null/in also names its field unescaped (`self.if`):
        // apiserver pkg/cel/types.go FindStructFieldType with recognizeKeywordAsFieldName.
        if (escaped && RESERVED.has(prop) && !LITERAL_KEYWORDS.has(prop)) fields.set(prop, { jsonName: prop, type: t });
        if (required.has(prop) && !present(ps, "default")) minSize += prop.length + t.minSerializedSize + 4;
      }
      return { kind: "object", celName: name, maxElements: 0, minSerializedSize: minSize, fields };
    }
    case "string":
      switch (str(node, "format")) {
        case "byte":
          return simple("bytes", "bytes", 2, maxLength(node) ?? MAX_REQUEST_SIZE_BYTES - 2);
        case "duration":
          return simple("duration", DURATION_CEL, 3, 32);
        case "date":
          return simple("timestamp", TIMESTAMP_CEL, 12, 12);
        case "date-time":
          return simple("timestamp", TIMESTAMP_CEL, 21, 32);
        default:
          return simple("string", "string", 2, stringMaxElements(node));
      }
    case "boolean":
      return simple("bool", "bool", 4);
    case "number":
      return simple("double", "double", 1);
    case "integer":
      return simple("int", "int", 1);
    default:
      return undefined;
  }
}

/** Every object type under `t`, children before parents (cel-js resolves field types when a type is registered). */
export function objectTypes(t: DeclType, out: DeclType[] = []): DeclType[] {
  if (out.includes(t)) return out;
  if (t.elem) objectTypes(t.elem, out);
  if (t.kind === "object") {
    for (const f of t.fields?.values() ?? []) objectTypes(f.type, out);
    out.push(t);
  }
  return out;
}

/**
 * Registers the object types of `t` in `env`: each with its own class (values are built with it, see
 * `toCelValue`), CEL's equality between two values of the type, and comparison with null (objects are nullable).
 */
export function registerDeclTypes(env: Environment, t: DeclType, equals: (a: unknown, b: unknown) => boolean): void {
  for (const o of objectTypes(t)) {
    const fields: Record<string, string> = {};
    for (const [celName, f] of o.fields ?? []) fields[celName] = f.type.celName;
    const ctor = class {
      constructor(values: Record<string, unknown>) {
        Object.assign(this, values);
      }
    };
    Object.defineProperty(ctor, "name", { value: o.celName });
    o.ctor = ctor;
    env.registerType(o.celName, { ctor, fields });
    env.registerOperator(`${o.celName} == ${o.celName}`, equals);
    env.registerOperator(`${o.celName} == null`, (a: unknown, b: unknown) => a === b);
  }
}

/** Looks a type up along a cost-estimator path (`field`, `@items`, `@values`, `@keys`) from `root`. */
export function declTypeAt(root: DeclType, path: readonly string[]): DeclType | undefined {
  let cur: DeclType | undefined = root;
  for (const step of path) {
    if (!cur) return undefined;
    if (step === "@items" || step === "@values") cur = cur.elem;
    else if (step === "@keys") cur = cur.key;
    else cur = cur.fields?.get(step)?.type;
  }
  return cur;
}

/** True when equality on values of this type would need set or map-list semantics (order-insensitive lists). */
export function hasUnorderedList(t: DeclType): boolean {
  if (t.kind === "list" && (t.listType === "set" || t.listType === "map")) return true;
  if (t.elem && hasUnorderedList(t.elem)) return true;
  for (const f of t.fields?.values() ?? []) if (hasUnorderedList(f.type)) return true;
  return false;
}
