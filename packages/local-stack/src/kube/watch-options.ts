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
import { forbidden, notSupported } from "../../../../src/api/schema/field-errors.js";
import { KubeError } from "./errors.js";
import { goBool, invalidListOptions, NOT_OLDER_THAN, parseInt64, resourceVersionOf } from "./query-decoding.js";

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

/** The watch storage's `ParseResourceVersion` error is no API Status: `ErrorToAPIStatus` answers 500, no reason. */
function parseResourceVersion(v: string): number {
  const parsed = resourceVersionOf(v);
  if ("error" in parsed) throw new KubeError(500, "", parsed.error);
  return parsed.rv;
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
  if (errors.length > 0) invalidListOptions(errors);
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
