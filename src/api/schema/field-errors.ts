/**
 * apimachinery's `field.Error` constructors (`k8s.io/apimachinery/pkg/util/validation/field/errors.go`): the reason
 * and the message body exactly as `ErrorBody()` renders them, so a refusal reads like the real server's. Pure.
 */
/** One field error, as apimachinery's `field.Error` renders it: `<field>: <message>`. */
export interface FieldError {
  field: string;
  reason: string;
  /** The message without the field prefix, e.g. `Too many: 6: must have at most 5 items`. */
  message: string;
}

/** How `ErrorBody` prints a bad value: numbers and booleans as is, strings quoted, anything else as JSON. */
export function goValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (v === undefined || v === null) return "null";
  return JSON.stringify(v);
}

const withDetail = (head: string, detail: string): string => (detail ? `${head}: ${detail}` : head);

export const required = (field: string, detail = ""): FieldError => ({
  field,
  reason: "FieldValueRequired",
  message: withDetail("Required value", detail),
});

export const forbidden = (field: string, detail = ""): FieldError => ({
  field,
  reason: "FieldValueForbidden",
  message: withDetail("Forbidden", detail),
});

export const invalid = (field: string, value: unknown, detail = ""): FieldError => ({
  field,
  reason: "FieldValueInvalid",
  message: withDetail(`Invalid value: ${goValue(value)}`, detail),
});

export const notSupported = (field: string, value: unknown, valid: readonly string[]): FieldError => ({
  field,
  reason: "FieldValueNotSupported",
  message: withDetail(
    `Unsupported value: ${goValue(value)}`,
    valid.length ? `supported values: ${valid.map((v) => JSON.stringify(v)).join(", ")}` : "",
  ),
});

export const duplicate = (field: string, value: unknown): FieldError => ({
  field,
  reason: "FieldValueDuplicate",
  message: `Duplicate value: ${goValue(value)}`,
});

export const tooMany = (field: string, actual: number, max: number): FieldError => ({
  field,
  reason: "FieldValueTooMany",
  message: `Too many: ${actual}: must have at most ${max} ${max === 1 ? "item" : "items"}`,
});

export const tooLong = (field: string, max: number): FieldError => ({
  field,
  reason: "FieldValueTooLong",
  message: `Too long: may not be more than ${max} ${max === 1 ? "byte" : "bytes"}`,
});

export const internalError = (field: string, err: string): FieldError => ({
  field,
  reason: "InternalError",
  message: `Internal error: ${err}`,
});

/** field.Path rendering: `a.b`, `a[0]`, `a[key]` (map keys unquoted). */
export const child = (path: string, name: string): string => (path ? `${path}.${name}` : name);
export const key = (path: string, k: string | number): string => `${path}[${k}]`;

/** The text `field.Error.Error()` prints for one error. */
export const errorText = (e: FieldError): string => (e.field ? `${e.field}: ${e.message}` : e.message);

/** `ValidateStructural` sorts its errors by their text (Go's map order would otherwise vary). */
export const sortByText = (errs: FieldError[]): FieldError[] =>
  [...errs].sort((a, b) => (errorText(a) < errorText(b) ? -1 : errorText(a) > errorText(b) ? 1 : 0));
