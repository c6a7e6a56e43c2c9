/**
 * The parts of a CRD's spec around its schemas, after apiextensions-apiserver
 * `pkg/apis/apiextensions/validation/validation.go`: `ValidateCustomResourceDefinitionNames`,
 * `ValidateCustomResourceColumnDefinition` (printer columns), `ValidateCustomResourceSelectableFields`,
 * `ValidateCustomResourceDefinitionSubresources` (scale paths), `validateCustomResourceConversion`,
 * `validateDeprecationWarning` and `validateAPIApproval`. Pure.
 */

import {
  child,
  duplicate,
  forbidden,
  invalid,
  key,
  notSupported,
  required,
  tooMany,
} from "../../../../src/api/schema/field-errors.js";
import { type SchemaNode, typeOf } from "../../../../src/api/schema/schema-node.js";
import { validFieldPath } from "./crd-openapi.js";
import type { FieldError } from "./errors.js";
import { parseJsonPath } from "./jsonpath.js";
import { isObject } from "./meta.js";

export const UNSUPPORTED_HERE = "not supported by the local API server";

const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** utilvalidation.IsDNS1035Label messages. */
export function dns1035(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push("must be no more than 63 characters");
  if (!DNS1035.test(v))
    errs.push(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    );
  return errs;
}

/** utilvalidation.IsDNS1123Subdomain messages. */
export function dns1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push("must be no more than 253 characters");
  if (!DNS1123_SUBDOMAIN.test(v))
    errs.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  return errs;
}

const s = (o: Record<string, unknown>, k: string): string => (typeof o[k] === "string" ? (o[k] as string) : "");

export function validateNames(names: Record<string, unknown>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const check = (field: string, value: string, prefix = "") => {
    const e = dns1035(prefix ? value.toLowerCase() : value);
    if (value && e.length) errs.push(invalid(child(path, field), value, prefix + e.join(",")));
  };
  check("plural", s(names, "plural"));
  check("singular", s(names, "singular"));
  check("kind", s(names, "kind"), "may have mixed case, but should otherwise match: ");
  check("listKind", s(names, "listKind"), "may have mixed case, but should otherwise match: ");
  const list = (field: string) => {
    const v = names[field];
    if (!Array.isArray(v)) return;
    v.forEach((x, i) => {
      const e = dns1035(String(x));
      if (e.length) errs.push(invalid(key(child(path, field), i), x, e.join(",")));
    });
  };
  list("shortNames");
  if (s(names, "kind") && s(names, "kind") === s(names, "listKind"))
    errs.push(invalid(child(path, "listKind"), s(names, "listKind"), "kind and listKind may not be the same"));
  list("categories");
  return errs;
}

const COLUMN_TYPES = ["boolean", "date", "integer", "number", "string"];
const COLUMN_FORMATS = ["byte", "date", "date-time", "double", "float", "int32", "int64", "password"];

function simpleJsonPath(v: string, path: string): FieldError[] {
  if (v.length === 0) return [invalid(path, v, "must not be empty")];
  if (!v.startsWith(".")) return [invalid(path, v, "must be a simple json path starting with .")];
  return [];
}

export function validateColumn(col: Record<string, unknown>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!s(col, "name")) errs.push(required(child(path, "name")));
  const type = s(col, "type");
  if (!type) errs.push(required(child(path, "type"), `must be one of ${COLUMN_TYPES.join(",")}`));
  else if (!COLUMN_TYPES.includes(type))
    errs.push(invalid(child(path, "type"), type, `must be one of ${COLUMN_TYPES.join(",")}`));
  const format = s(col, "format");
  if (format && !COLUMN_FORMATS.includes(format))
    errs.push(invalid(child(path, "format"), format, `must be one of ${COLUMN_FORMATS.join(",")}`));
  const jsonPath = s(col, "jsonPath");
  if (!jsonPath) errs.push(required(child(path, "JSONPath")));
  else {
    const simple = simpleJsonPath(jsonPath, child(path, "JSONPath"));
    errs.push(...simple);
    if (simple.length === 0) {
      // The real server accepts the CRD but cannot serve its resources when client-go's JSONPath refuses the column
      // ("the server could not properly serve the CR columns"); refusing it here says so at once.
      try {
        parseJsonPath(jsonPath);
      } catch (err) {
        errs.push(
          invalid(
            child(path, "JSONPath"),
            jsonPath,
            `unrecognized column definition (the real server accepts this CRD but fails every request for its resources; JSONPath beyond fields, indexes, wildcards and filters is ${UNSUPPORTED_HERE}): ${err instanceof Error ? err.message : String(err)}`,
          ),
        );
      }
    }
  }
  return errs;
}

const MAX_SELECTABLE_FIELDS = 8;

export function validateSelectableFields(fields: unknown[], schema: SchemaNode, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  fields.forEach((raw, i) => {
    const f = isObject(raw) ? raw : {};
    const at = child(key(path, i), "jsonPath");
    const jsonPath = s(f, "jsonPath");
    if (!jsonPath) {
      errs.push(required(at));
      return;
    }
    const found = validFieldPath(jsonPath, schema, false);
    if (found.error !== undefined) {
      errs.push(invalid(at, jsonPath, `is an invalid path: ${found.error}`));
      return;
    }
    const normalized = found.path ?? "";
    if (/^metadata(\.|\[|$)/.test(normalized)) errs.push(invalid(at, jsonPath, "must not point to fields in metadata"));
    const t = found.schema ? typeOf(found.schema) : "";
    if (t !== "string" && t !== "boolean" && t !== "integer")
      errs.push(
        invalid(
          at,
          jsonPath,
          "must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.",
        ),
      );
    if (seen.has(normalized)) errs.push(duplicate(at, jsonPath));
    else seen.add(normalized);
  });
  if (seen.size > MAX_SELECTABLE_FIELDS) errs.push(tooMany(path, seen.size, MAX_SELECTABLE_FIELDS));
  return errs;
}

export function validateSubresources(sub: Record<string, unknown>, path: string): FieldError[] {
  const scale = sub.scale;
  if (!isObject(scale)) return [];
  const errs: FieldError[] = [];
  const underPrefix = (field: string, prefixes: string[], detail: string, requiredField: boolean) => {
    const v = s(scale, field);
    const at = `${path}.scale.${field}`;
    if (!v) {
      if (requiredField) errs.push(required(at));
      return;
    }
    const simple = simpleJsonPath(v, at);
    if (simple.length) errs.push(...simple);
    else if (!prefixes.some((p) => v.startsWith(p))) errs.push(invalid(at, v, detail));
  };
  underPrefix("specReplicasPath", [".spec."], "should be a json path under .spec", true);
  underPrefix("statusReplicasPath", [".status."], "should be a json path under .status", true);
  underPrefix(
    "labelSelectorPath",
    [".spec.", ".status."],
    "should be a json path under either .spec or .status",
    false,
  );
  return errs;
}

export function validateConversion(conversion: unknown, path: string): FieldError[] {
  if (!isObject(conversion)) return [];
  const strategy = s(conversion, "strategy");
  if (!strategy) return [required(child(path, "strategy"))];
  if (strategy !== "None" && strategy !== "Webhook")
    return [notSupported(child(path, "strategy"), strategy, ["None", "Webhook"])];
  if (strategy === "Webhook")
    return [
      invalid(
        child(path, "strategy"),
        strategy,
        `conversion webhooks are ${UNSUPPORTED_HERE} (it serves every version with conversion strategy None)`,
      ),
    ];
  const errs: FieldError[] = [];
  const webhook = isObject(conversion.webhook) ? conversion.webhook : {};
  if (isObject(webhook.clientConfig))
    errs.push(forbidden(child(path, "webhookClientConfig"), "should not be set when strategy is not set to Webhook"));
  if (Array.isArray(webhook.conversionReviewVersions) && webhook.conversionReviewVersions.length > 0)
    errs.push(
      forbidden(child(path, "conversionReviewVersions"), "should not be set when strategy is not set to Webhook"),
    );
  return errs;
}

export function validateDeprecationWarning(version: Record<string, unknown>, path: string): FieldError[] {
  const w = version.deprecationWarning;
  if (w === undefined || w === null) return [];
  const at = child(path, "deprecationWarning");
  const text = String(w);
  if (version.deprecated !== true) return [invalid(at, text, "can only be set for deprecated versions")];
  const errs: FieldError[] = [];
  if (Buffer.byteLength(text) > 256) errs.push(invalid(at, text, "must be <= 256 characters long"));
  if (text.length === 0) errs.push(invalid(at, text, "must not be an empty string"));
  // Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
  const bad = [...text].findIndex((c) => !/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(c));
  if (bad >= 0)
    errs.push(
      invalid(
        at,
        text,
        `must only contain printable UTF-8 characters; non-printable character found at index ${Buffer.byteLength([...text].slice(0, bad).join(""))}`,
      ),
    );
  return errs;
}

const APPROVAL = "api-approved.kubernetes.io";

/** Groups under k8s.io and kubernetes.io need the API approval annotation. */
export function validateApproval(group: string, annotations: Record<string, unknown> | undefined): FieldError[] {
  const protectedGroup =
    group === "k8s.io" || group.endsWith(".k8s.io") || group === "kubernetes.io" || group.endsWith(".kubernetes.io");
  if (!protectedGroup) return [];
  const value = typeof annotations?.[APPROVAL] === "string" ? (annotations[APPROVAL] as string) : "";
  const at = `metadata.annotations[${APPROVAL}]`;
  if (!value)
    return [
      required(
        at,
        `protected groups must have approval annotation "${APPROVAL}", see https://github.com/kubernetes/enhancements/pull/1111`,
      ),
    ];
  if (value.startsWith("unapproved")) return [];
  try {
    const u = new URL(value);
    if (u.host && u.protocol) return [];
  } catch {
    // not a URL
  }
  return [
    invalid(
      at,
      value,
      `protected groups must have approval annotation "${APPROVAL}" with either a URL or a reason starting with "unapproved", see https://github.com/kubernetes/enhancements/pull/1111`,
    ),
  ];
}
