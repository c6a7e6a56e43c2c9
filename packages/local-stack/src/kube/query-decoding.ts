/**
 * The parts of a list or watch query that kube-apiserver decodes the same way for both verbs (apiserver
 * `pkg/endpoints/handlers/get.go` `listOpts`, then the storage's `APIObjectVersioner`), with the errors it answers.
 * Pure.
 */
import { errorText, type FieldError, invalid as invalidField } from "../../../../src/api/schema/field-errors.js";
import { badRequest, invalid } from "./errors.js";

export const NOT_OLDER_THAN = "NotOlderThan";
export const EXACT = "Exact";

/** `runtime.Convert_Slice_string_To_bool`: "0" and "false" (any case) are false, anything else (even "") true. */
export function goBool(v: string): boolean {
  return v !== "0" && v.toLowerCase() !== "false";
}

/** Go's `strconv.Quote` for the printable text a query carries. */
const goQuote = (s: string): string => JSON.stringify(s);

/** `strconv.ParseInt(v, 10, 64)`: an optional sign, then decimal digits only; a failure is the decoding's 400. */
export function parseInt64(v: string): number {
  if (!/^[+-]?[0-9]+$/.test(v)) throw badRequest(`strconv.ParseInt: parsing ${goQuote(v)}: invalid syntax`);
  const n = BigInt(v);
  if (n > 2n ** 63n - 1n || n < -(2n ** 63n))
    throw badRequest(`strconv.ParseInt: parsing ${goQuote(v)}: value out of range`);
  return Number(n);
}

/**
 * `APIObjectVersioner.ParseResourceVersion` (apiserver `pkg/storage/api_object_versioner.go`): "" and "0" are 0, else
 * `strconv.ParseUint`; a failure is the text of its `storage.InvalidError` (each caller wraps it its own way).
 */
export function resourceVersionOf(v: string): { rv: number } | { error: string } {
  if (v === "" || v === "0") return { rv: 0 };
  let why = "";
  if (!/^[0-9]+$/.test(v)) why = "invalid syntax";
  else if (BigInt(v) > 2n ** 64n - 1n) why = "value out of range";
  if (!why) return { rv: Number(v) };
  return { error: errorText(invalidField("resourceVersion", v, `strconv.ParseUint: parsing ${goQuote(v)}: ${why}`)) };
}

/** `listOpts`: `errors.NewInvalid(GroupKind{meta.k8s.io, ListOptions}, "", errs)`; the empty name is omitted. */
export function invalidListOptions(errors: FieldError[]): never {
  const err = invalid("ListOptions", "meta.k8s.io", "", errors);
  if (err.details) delete err.details.name;
  throw err;
}
