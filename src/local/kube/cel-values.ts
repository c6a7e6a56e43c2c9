/**
 * JSON values as the real server hands them to CEL (`k8s.io/apiserver/pkg/cel/common/valuesunstructured.go`,
 * `UnstructuredToVal`): integers are int64, `format: date-time`/`date` strings are timestamps, `duration` strings are
 * durations, `byte` strings are bytes, property names are escaped; and CEL equality between two such values. Pure.
 */
import { Environment } from "@marcbachmann/cel-js";
import type { DeclType } from "./cel-types.js";
import { isObject } from "./meta.js";

/** Go's time.ParseDuration syntax. */
export const GO_DURATION = /^[-+]?(0|((\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;

const conversions = new Environment();
const toDuration = conversions.parse("duration(s)");

function base64ToBytes(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, "base64"));
}

/** Converts a JSON value to the CEL value of its declared type; values the schema does not declare pass as they are. */
export function toCelValue(value: unknown, t: DeclType | undefined): unknown {
  if (value === null || value === undefined || !t) return value;
  switch (t.kind) {
    case "int":
      return typeof value === "number" && Number.isInteger(value) ? BigInt(value) : value;
    case "double":
      return value;
    case "dyn":
      return typeof value === "number" && Number.isInteger(value) ? BigInt(value) : value;
    case "timestamp":
      return typeof value === "string" ? new Date(value.length === 10 ? `${value}T00:00:00Z` : value) : value;
    case "duration":
      return typeof value === "string" && GO_DURATION.test(value) ? toDuration({ s: value }) : value;
    case "bytes":
      return typeof value === "string" ? base64ToBytes(value) : value;
    case "list":
      return Array.isArray(value) ? value.map((v) => toCelValue(v, t.elem)) : value;
    case "map":
      if (!isObject(value)) return value;
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCelValue(v, t.elem)]));
    case "object": {
      if (!isObject(value)) return value;
      const out: Record<string, unknown> = {};
      for (const [celName, f] of t.fields ?? [])
        if (f.jsonName in value) out[celName] = toCelValue(value[f.jsonName], f.type);
      return t.ctor ? new t.ctor(out) : out;
    }
    default:
      return value;
  }
}

/** CEL's `==` on two values of one object type (field by field; numbers across int and double). */
export function celEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "bigint" || typeof a === "number")
    return (typeof b === "bigint" || typeof b === "number") && Number(a) === Number(b);
  if (a instanceof Date) return b instanceof Date && a.getTime() === b.getTime();
  if (a instanceof Uint8Array) return b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => celEquals(x, b[i]));
  const entries = (v: unknown): Array<[unknown, unknown]> | undefined =>
    v instanceof Map ? [...v.entries()] : isObject(v) ? Object.entries(v) : undefined;
  const ea = entries(a);
  const eb = entries(b);
  if (ea && eb) {
    const mb = new Map(eb);
    return ea.length === eb.length && ea.every(([k, v]) => mb.has(k) && celEquals(v, mb.get(k)));
  }
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object" && "seconds" in a && "seconds" in b)
    return String(a) === String(b);
  return false;
}
