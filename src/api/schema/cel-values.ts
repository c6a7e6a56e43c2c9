/**
 * JSON values as the real server hands them to CEL (`k8s.io/apiserver/pkg/cel/common/valuesunstructured.go`,
 * `UnstructuredToVal`): integers are int64, `format: date-time`/`date` strings are timestamps, `duration` strings are
 * durations, `byte` strings are bytes, property names are escaped; and CEL equality between two such values. Pure.
 */
import { Environment, Optional } from "@marcbachmann/cel-js";
import type { DeclType } from "./cel-types.js";
import { isObject } from "./json.js";

/** The UTC offset (minutes) a timestamp was written with: Go keeps it, and string() prints it. */
export const TIMESTAMP_OFFSET = Symbol("utcOffsetMinutes");

/** Go's time.ParseDuration syntax. */
export const GO_DURATION = /^[-+]?(0|((\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;

const toDuration = new Environment().registerVariable("s", "string").parse("duration(s)");

/** A date or date-time string as a CEL timestamp, remembering the offset it was written with (Go keeps it). */
function toTimestamp(s: string): Date {
  const d = new Date(s.length === 10 ? `${s}T00:00:00Z` : s) as Date & { [TIMESTAMP_OFFSET]?: number };
  const m = /([+-])(\d{2}):(\d{2})$/.exec(s);
  if (m) d[TIMESTAMP_OFFSET] = (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  return d;
}

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
      return typeof value === "string" ? toTimestamp(value) : value;
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
      // A field set to null is absent for rules (unlike null items of lists and values of maps).
      for (const [celName, f] of t.fields ?? [])
        if (value[f.jsonName] !== undefined && value[f.jsonName] !== null)
          out[celName] = toCelValue(value[f.jsonName], f.type);
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

/**
 * A size estimator over actual values (for `estimateCost`): the largest size along a path from `vars`, so the static
 * estimate becomes a bound on the cost of one evaluation on this object (scalars count 1, as cel-go's runtime
 * counts them).
 */
export function sizesOfValues(
  vars: Record<string, unknown>,
): (path: readonly string[]) => { min: bigint; max: bigint } {
  return (path) => {
    const [root, ...rest] = path;
    let values: unknown[] = [unwrapOptional(vars[root ?? ""])];
    for (const step of rest) {
      const next: unknown[] = [];
      for (const v of values) {
        if (v === null || v === undefined) continue;
        if (step === "@items") {
          if (Array.isArray(v)) next.push(...v);
        } else if (step === "@values") next.push(...entriesOf(v).map(([, x]) => x));
        else if (step === "@keys") next.push(...entriesOf(v).map(([k]) => k));
        else if (typeof v === "object" && step in v) next.push((v as Record<string, unknown>)[step]);
      }
      values = next;
    }
    let max = 0n;
    for (const v of values) {
      const n = BigInt(sizeOf(v));
      if (n > max) max = n;
    }
    return { min: 0n, max };
  };
}

function unwrapOptional(v: unknown): unknown {
  if (v instanceof Optional) return v.hasValue() ? v.value() : undefined;
  return v;
}

const entriesOf = (v: unknown): Array<[unknown, unknown]> =>
  v instanceof Map
    ? [...v.entries()]
    : v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.entries(v)
      : [];

function sizeOf(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === "string") return Array.from(v).length;
  if (v instanceof Uint8Array || Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  if (isObject(v) && Object.getPrototypeOf(v) === Object.prototype) return Object.keys(v).length;
  return 1;
}
