/**
 * A watch request's query, checked in the order kube-apiserver checks it and refused with the same Status before any
 * header is sent (apiserver `pkg/endpoints/handlers/get.go` `listOpts`, then the storage's `Watch`):
 *  1. decoding (`metainternalversionscheme.ParameterCodec.DecodeParameters`, apimachinery
 *     `pkg/apis/meta/v1/zz_generated.conversion.go` `autoConvert_url_Values_To_v1_ListOptions`): `timeoutSeconds` and
 *     `limit` through `strconv.ParseInt`, then the label and field selectors parsed; any error is 400 BadRequest;
 *  2. `SetListOptionsDefaults` (WatchList on, the default since 1.34): a watch from "" or "0" with neither
 *     `sendInitialEvents` nor `resourceVersionMatch` becomes `sendInitialEvents=true&resourceVersionMatch=NotOlderThan`;
 *  3. `ValidateListOptions` (`validateWatchOptions`): 422 Invalid `ListOptions.meta.k8s.io "" is invalid: ...`;
 *  4. the storage (`Cacher.Watch`, or `etcd3` `store.Watch` without the cache) parses `resourceVersion` with
 *     `APIObjectVersioner.ParseResourceVersion`; its `storage.InvalidError` is no API Status, so `ErrorToAPIStatus`
 *     answers HTTP 500 with no reason (kubernetes#139485, #113939).
 * Pure.
 */
import {
  errorText,
  forbidden,
  invalid as invalidField,
  notSupported,
} from "../../../../src/api/schema/field-errors.js";
import { badRequest, invalid, KubeError } from "./errors.js";

export const NOT_OLDER_THAN = "NotOlderThan";

export interface WatchOptions {
  /** The query's resourceVersion as given ("" when absent). */
  resourceVersion: string;
  /** `ParseResourceVersion`'s value: "" and "0" are 0. */
  rv: number;
  /** After defaulting: undefined only for a watch from a resourceVersion other than "" and "0" that did not set it. */
  sendInitialEvents: boolean | undefined;
  allowBookmarks: boolean;
  /** undefined: absent or 0 (the server's own timeout); negative: the stream ends as soon as it starts. */
  timeoutSeconds: number | undefined;
}

/** `runtime.Convert_Slice_string_To_bool`: "0" and "false" (any case) are false, anything else (even "") true. */
export function goBool(v: string): boolean {
  return v !== "0" && v.toLowerCase() !== "false";
}

/** Go's `strconv.Quote` for the printable text a query carries. */
const goQuote = (s: string): string => JSON.stringify(s);

/** `strconv.ParseInt(v, 10, 64)`: an optional sign, then decimal digits only. */
export function parseInt64(v: string): number {
  if (!/^[+-]?[0-9]+$/.test(v)) throw badRequest(`strconv.ParseInt: parsing ${goQuote(v)}: invalid syntax`);
  const n = BigInt(v);
  if (n > 2n ** 63n - 1n || n < -(2n ** 63n))
    throw badRequest(`strconv.ParseInt: parsing ${goQuote(v)}: value out of range`);
  return Number(n);
}

/** `APIObjectVersioner.ParseResourceVersion` (apiserver `pkg/storage/api_object_versioner.go`) and its HTTP 500. */
export function parseResourceVersion(v: string): number {
  if (v === "" || v === "0") return 0;
  let why = "";
  if (!/^[0-9]+$/.test(v)) why = "invalid syntax";
  else if (BigInt(v) > 2n ** 64n - 1n) why = "value out of range";
  if (!why) return Number(v);
  const field = invalidField("resourceVersion", v, `strconv.ParseUint: parsing ${goQuote(v)}: ${why}`);
  return refuseUnknown(errorText(field));
}

/** `ErrorToAPIStatus` for an error that is no API Status: 500, no reason, the error's text. */
function refuseUnknown(message: string): never {
  throw new KubeError(500, "", message);
}

/**
 * The query's watch options, or the KubeError the real server answers before the stream starts. `parseSelectors` runs
 * where the real decoding parses the selectors (syntax errors: 400); `checkFieldLabels` where it converts field labels
 * (after validation: `field label not supported` is 400).
 */
export function watchOptions(
  q: URLSearchParams,
  parseSelectors: () => void,
  checkFieldLabels: () => void,
): WatchOptions {
  const first = (name: string): string | undefined => q.getAll(name)[0];
  const timeoutRaw = first("timeoutSeconds");
  const timeout = timeoutRaw === undefined ? undefined : parseInt64(timeoutRaw);
  const limitRaw = first("limit");
  if (limitRaw !== undefined) parseInt64(limitRaw);
  parseSelectors();

  const resourceVersion = first("resourceVersion") ?? "";
  let match = first("resourceVersionMatch") ?? "";
  const sieRaw = first("sendInitialEvents");
  let sendInitialEvents = sieRaw === undefined ? undefined : goBool(sieRaw);
  // apimachinery pkg/apis/meta/internalversion/defaults.go SetListOptionsDefaults
  if (sendInitialEvents === undefined && match === "" && (resourceVersion === "" || resourceVersion === "0")) {
    sendInitialEvents = true;
    match = NOT_OLDER_THAN;
  }
  // apimachinery pkg/apis/meta/internalversion/validation/validation.go validateWatchOptions
  const errors = [];
  if (sendInitialEvents !== undefined && match !== NOT_OLDER_THAN)
    errors.push(
      forbidden("resourceVersionMatch", `sendInitialEvents requires setting resourceVersionMatch to ${NOT_OLDER_THAN}`),
    );
  if (match !== "") {
    if (sendInitialEvents === undefined)
      errors.push(
        forbidden(
          "resourceVersionMatch",
          "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
        ),
      );
    if (match !== NOT_OLDER_THAN) errors.push(notSupported("resourceVersionMatch", match, [NOT_OLDER_THAN]));
    if ((first("continue") ?? "") !== "")
      errors.push(forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"));
  }
  if (errors.length > 0) {
    const err = invalid("ListOptions", "meta.k8s.io", "", errors);
    if (err.details) delete err.details.name; // NewInvalid's empty name is omitted (omitempty)
    throw err;
  }
  checkFieldLabels();

  const bookmarks = first("allowWatchBookmarks");
  return {
    resourceVersion,
    rv: parseResourceVersion(resourceVersion),
    sendInitialEvents,
    allowBookmarks: bookmarks !== undefined && goBool(bookmarks),
    timeoutSeconds: timeout === 0 ? undefined : timeout,
  };
}
