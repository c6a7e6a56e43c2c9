/** Accessors over a raw v1 JSON schema node of a CRD (`openAPIV3Schema`). Pure. */
import { isObject } from "./json.js";

export type SchemaNode = Record<string, unknown>;

export const typeOf = (s: SchemaNode): string => (typeof s.type === "string" ? s.type : "");
export const flag = (s: SchemaNode, k: string): boolean => s[k] === true;
export const present = (s: SchemaNode, k: string): boolean => s[k] !== undefined && s[k] !== null;
export const str = (s: SchemaNode, k: string): string => (typeof s[k] === "string" ? (s[k] as string) : "");

/** `properties` when non-empty (NewStructural keeps no empty map). */
export function propertiesOf(s: SchemaNode): Record<string, SchemaNode> | undefined {
  const p = s.properties;
  if (!isObject(p) || Object.keys(p).length === 0) return undefined;
  return p as Record<string, SchemaNode>;
}

/** `items` when it is one schema (an array of schemas is refused elsewhere). */
export const itemsOf = (s: SchemaNode): SchemaNode | undefined => (isObject(s.items) ? s.items : undefined);

/** `additionalProperties` as a schema; `true`/`false` give undefined here (see `hasAdditional`). */
export const additionalSchema = (s: SchemaNode): SchemaNode | undefined =>
  isObject(s.additionalProperties) ? s.additionalProperties : undefined;
export const hasAdditional = (s: SchemaNode): boolean => present(s, "additionalProperties");

export const listOf = (s: SchemaNode, k: string): unknown[] => (Array.isArray(s[k]) ? (s[k] as unknown[]) : []);
export const schemasOf = (s: SchemaNode, k: string): SchemaNode[] => listOf(s, k).filter(isObject) as SchemaNode[];
