/**
 * A list request's query, checked in the order kube-apiserver checks it (apiserver `pkg/endpoints/handlers/get.go`
 * `ListResource` -> `listOpts`, then `handleList` -> the registry's `Store.ListPredicate` -> the storage's `GetList`):
 *  1. decoding (`ParameterCodec.DecodeParameters`): `timeoutSeconds` and `limit` through `strconv.ParseInt`, then the
 *     label and field selectors; any error is 400 BadRequest (query-decoding.ts);
 *  2. no defaults: `SetListOptionsDefaults` changes only watches;
 *  3. `ValidateListOptions` for a list (apimachinery `pkg/apis/meta/internalversion/validation/validation.go`): 422
 *     Invalid `ListOptions.meta.k8s.io "" is invalid: ...`; then field labels the resource lacks (400);
 *  4. the storage (`CacheDelegator.GetList` and etcd3 `store.GetList` both start with apiserver
 *     `pkg/storage/interfaces.go` `ValidateListOptions`): with `continue`, a `resourceVersion` other than "" and "0" is
 *     400; otherwise `ParseResourceVersion`'s error is 400 `invalid resource version: ...` (not the watch's 500);
 *  5. what the storage can serve (`listAt`): a resourceVersion ahead of the store is the cache's 504 (watch_cache.go
 *     `waitUntilFreshLocked`); an exact list at an older resourceVersion is served only when this resource has not
 *     changed since (the state is then the same), else refused as etcd refuses a compacted revision (410).
 * Pure.
 */
import { forbidden, notSupported } from "../../../../src/api/schema/field-errors.js";
import { badRequest, expired, KubeError } from "./errors.js";
import { EXACT, invalidListOptions, NOT_OLDER_THAN, parseInt64, resourceVersionOf } from "./query-decoding.js";

export interface ListQuery {
  /** Page size; 0: everything. */
  limit: number;
  continueToken: string | null;
  /** The parsed resourceVersion; 0 when absent, "0", or with `continue` (the token carries its own). */
  rv: number;
  /** Served at exactly `rv` (`resourceVersionMatch=Exact`, or the legacy exact list: `limit` with a resourceVersion). */
  exact: boolean;
}

/**
 * The query's list options, or the KubeError the real server answers. `parseSelectors` runs where the decoding parses
 * the selectors, `checkFieldLabels` where `listOpts` converts field labels, `checkContinue` where the storage decodes
 * the continue token (each throws its 400).
 */
export function listOptions(
  q: URLSearchParams,
  parseSelectors: () => void,
  checkFieldLabels: () => void,
  checkContinue: (token: string) => void,
): ListQuery {
  const first = (name: string): string => q.getAll(name)[0] ?? "";
  const timeoutRaw = q.getAll("timeoutSeconds")[0];
  if (timeoutRaw !== undefined) parseInt64(timeoutRaw); // decoded, then unused by a list
  const limitRaw = q.getAll("limit")[0];
  // A zero or negative limit is no paging (etcd3 store.go GetList: `paging := limit > 0`).
  const limit = limitRaw === undefined ? 0 : Math.max(0, parseInt64(limitRaw));
  parseSelectors();

  const resourceVersion = first("resourceVersion");
  const match = first("resourceVersionMatch");
  const continueToken = first("continue");
  // Any value decodes (`Convert_Slice_string_To_Pointer_bool`); only its presence matters to a list.
  const sendInitialEvents = q.getAll("sendInitialEvents")[0];
  // validation.go ValidateListOptions, the non-watch branch, in its order.
  const errors = [];
  if (match !== "") {
    if (resourceVersion === "")
      errors.push(
        forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided"),
      );
    if (continueToken !== "")
      errors.push(forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"));
    if (match !== EXACT && match !== NOT_OLDER_THAN)
      errors.push(notSupported("resourceVersionMatch", match, [EXACT, NOT_OLDER_THAN, ""]));
    if (match === EXACT && resourceVersion === "0")
      errors.push(
        forbidden("resourceVersionMatch", 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'),
      );
  }
  if (sendInitialEvents !== undefined)
    errors.push(forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"));
  if (errors.length > 0) invalidListOptions(errors);
  checkFieldLabels();

  // interfaces.go ValidateListOptions
  if (continueToken !== "") {
    checkContinue(continueToken);
    if (resourceVersion !== "" && resourceVersion !== "0")
      throw badRequest("specifying resource version is not allowed when using continue");
    return { limit, continueToken, rv: 0, exact: false };
  }
  const parsed = resourceVersionOf(resourceVersion);
  if ("error" in parsed) throw badRequest(`invalid resource version: ${parsed.error}`);
  const legacyExact = match === "" && limit > 0 && resourceVersion !== "" && resourceVersion !== "0";
  return {
    // cacher.go computeListLimit: the cache serves resourceVersion "0" whole, whatever the limit.
    limit: resourceVersion === "0" ? 0 : limit,
    continueToken: null,
    rv: parsed.rv,
    exact: parsed.rv > 0 && (match === EXACT || legacyExact),
  };
}

/**
 * The resourceVersion the list is served at, or the refusal of one the store cannot serve. `unchangedSince(rv)`: no
 * object of this resource changed after `rv` (its current objects are its state at `rv`).
 */
export function listAt(query: ListQuery, currentRv: number, unchangedSince: (rv: number) => boolean): number {
  const { rv } = query;
  if (rv > currentRv) {
    // watch_cache.go waitUntilFreshLocked (Exact, NotOlderThan and a bare resourceVersion all wait there), after
    // blockTimeout (3 s); refused at once here, where no write is on its way.
    throw new KubeError(504, "Timeout", `Timeout: Too large resource version: ${rv}, current: ${currentRv}`, {
      causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
      retryAfterSeconds: 1,
    });
  }
  if (!query.exact || rv === currentRv) return query.exact ? rv : currentRv;
  // An older state this stand-in no longer has: the cache's snapshot miss falls back to etcd (delegator.go GetList,
  // ListFromCacheSnapshot), whose compacted revision is etcd3 errors.go interpretListError's 410.
  if (!unchangedSince(rv)) throw expired("The resourceVersion for the provided list is too old.");
  return rv;
}
