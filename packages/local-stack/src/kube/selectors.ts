/** Label and field selectors with the grammar of apimachinery's `labels.Parse` and `fields.ParseSelector`. Pure. */
import { aggregateMessage, badRequest, type FieldError } from "./errors.js";
import { invalidValue, type KubeObject, labelValueErrors, qualifiedNameErrors } from "./meta.js";

export type LabelRequirement =
  | { key: string; op: "exists" | "!exists" }
  | { key: string; op: "=" | "!="; value: string }
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: "gt" | "lt"; value: number };

export type LabelSelector = LabelRequirement[];

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** What Go's `strconv.ParseInt(v, 10, 64)` takes. */
const isInt64 = (v: string): boolean => /^[-+]?\d+$/.test(v) && BigInt(v) >= -(2n ** 63n) && BigInt(v) < 2n ** 63n;

/**
 * labels.NewRequirement's checks, in its order: the key a qualified name, then the operator's value count (and Gt/Lt
 * integers), then every value a label value; its faults are one aggregate (ToAggregate).
 */
function checkRequirement(req: LabelRequirement, values: readonly string[]): LabelRequirement {
  const errs: FieldError[] = [];
  const keyErrs = qualifiedNameErrors(req.key);
  if (keyErrs.length) errs.push(invalidValue("key", req.key, keyErrs.join("; ")));
  if ((req.op === "in" || req.op === "notin") && values.length === 0)
    errs.push({
      field: "values",
      reason: "FieldValueInvalid",
      message: "Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty",
    });
  if (req.op === "gt" || req.op === "lt")
    for (const [i, v] of values.entries())
      if (!isInt64(v))
        errs.push(invalidValue(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
  for (const [i, v] of values.entries()) {
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length) errs.push(invalidValue(`values[${i}][${req.key}]`, v, valueErrs.join("; ")));
  }
  if (errs.length === 0) return req;
  throw badRequest(`unable to parse requirement: ${aggregateMessage(errs)}`);
}

export function parseLabelSelector(raw: string | null | undefined): LabelSelector {
  if (!raw) return [];
  const out: LabelSelector = [];
  for (const part of splitTopLevel(raw)) {
    let m = /^(!)?\s*([^\s!=<>(),]+)$/.exec(part);
    if (m?.[2]) {
      out.push(checkRequirement({ key: m[2], op: m[1] ? "!exists" : "exists" }, []));
      continue;
    }
    m = /^([^\s!=<>(),]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    if (m?.[1] && m[2] && m[3] !== undefined) {
      const values = m[3]
        .split(",")
        .map((v) => v.trim())
        .filter((v) => v.length > 0);
      out.push(checkRequirement({ key: m[1], op: m[2] as "in" | "notin", values }, values));
      continue;
    }
    m = /^([^\s!=<>(),]+)\s*(==|=|!=)\s*([^\s!=<>(),]*)$/.exec(part);
    if (m?.[1] && m[2]) {
      const value = m[3] ?? "";
      out.push(checkRequirement({ key: m[1], op: m[2] === "!=" ? "!=" : "=", value }, [value]));
      continue;
    }
    m = /^([^\s!=<>(),]+)\s*(<|>)\s*([^\s!=<>(),]+)$/.exec(part);
    if (m?.[1] && m[2] && m[3]) {
      const op = m[2] === ">" ? "gt" : "lt";
      out.push(checkRequirement({ key: m[1], op, value: Number(m[3]) }, [m[3]]));
      continue;
    }
    throw badRequest(`unable to parse requirement: found '${part}', expected: valid label selector in "${raw}"`);
  }
  return out;
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  for (const req of selector) {
    const has = labels !== undefined && Object.hasOwn(labels, req.key);
    const value = has ? labels?.[req.key] : undefined;
    switch (req.op) {
      case "exists":
        if (!has) return false;
        break;
      case "!exists":
        if (has) return false;
        break;
      case "=":
        if (value !== req.value) return false;
        break;
      case "!=":
        if (value === req.value) return false;
        break;
      case "in":
        if (value === undefined || !req.values.includes(value)) return false;
        break;
      case "notin":
        if (value !== undefined && req.values.includes(value)) return false;
        break;
      case "gt":
      case "lt": {
        const n = Number(value);
        if (value === undefined || !Number.isInteger(n)) return false;
        if (req.op === "gt" ? !(n > req.value) : !(n < req.value)) return false;
        break;
      }
    }
  }
  return true;
}

export interface FieldRequirement {
  field: string;
  op: "=" | "!=";
  value: string;
}

export type FieldSelector = FieldRequirement[];

/** Parses `a=b,c!=d`; `allowed` lists the field labels the resource supports (others are a 400, like the real server). */
export function parseFieldSelector(raw: string | null | undefined, allowed: ReadonlySet<string>): FieldSelector {
  if (!raw) return [];
  const out: FieldSelector = [];
  for (const part of splitTopLevel(raw)) {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(part);
    if (!m?.[1] || !m[2]) throw badRequest(`invalid selector: '${raw}'; can't understand '${part}'`);
    const field = m[1].trim();
    if (!allowed.has(field)) throw badRequest(`field label not supported: ${field}`);
    out.push({ field, op: m[2] === "!=" ? "!=" : "=", value: unescapeFieldValue(m[3] ?? "") });
  }
  return out;
}

const unescapeFieldValue = (v: string): string => v.replace(/\\([\\,=])/g, "$1");

/** Reads a dotted field path (`metadata.name`, `involvedObject.kind`) as the string the real field sets compare. */
export function fieldValue(obj: KubeObject, field: string): string {
  let cur: unknown = obj;
  for (const part of field.split(".")) {
    if (typeof cur !== "object" || cur === null) return "";
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return "";
  return typeof cur === "string" ? cur : String(cur);
}

export function matchesFields(selector: FieldSelector, obj: KubeObject): boolean {
  for (const req of selector) {
    const v = fieldValue(obj, req.field);
    if (req.op === "=" ? v !== req.value : v === req.value) return false;
  }
  return true;
}

/** The `metadata.name=X` requirement of a selector, if any: lets get-one-by-name lists skip scanning. */
export function exactName(selector: FieldSelector): string | undefined {
  return selector.find((r) => r.field === "metadata.name" && r.op === "=")?.value;
}
