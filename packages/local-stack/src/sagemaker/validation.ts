/** Request validation against the model, answered with SageMaker's ValidationException wording. */
import { type ModelViolation, specName, validateShape } from "../../../../src/api/model.js";
import { invalid } from "./errors.js";

/** Throws ValidationException listing every violation of `shapeName` in `body`. */
export function assertValid(shapeName: string, body: unknown): void {
  const violations = validateShape(shapeName, body);
  if (violations.length > 0) throw invalid(validationMessage(violations, body));
}

/**
 * `1 validation error detected: Value 'x' at 'userSettings.securityGroups.1.member' failed to satisfy constraint: ...`;
 * N errors are joined with "; " after "N validation errors detected: ".
 */
export function validationMessage(violations: ModelViolation[], body: unknown): string {
  const n = violations.length;
  const head = `${n} validation error${n === 1 ? "" : "s"} detected: `;
  return (
    head +
    violations.map((v) => `${renderValue(valueAt(body, v.path))} at '${awsPath(v.path)}' ${v.message}`).join("; ")
  );
}

/**
 * AWS writes paths in lowerCamelCase with 1-based `.N.member` list steps: `UserSettings.SecurityGroups[5]` becomes
 * `userSettings.securityGroups.6.member`.
 */
export function awsPath(path: string): string {
  return path
    .replace(/\[(\d+)\]/g, (_, i: string) => `.${Number(i) + 1}.member`)
    .split(".")
    .map((segment) => specName(segment))
    .join(".");
}

function valueAt(body: unknown, path: string): unknown {
  if (path === "request") return body;
  let cur: unknown = body;
  for (const step of path.replace(/\[(\d+)\]/g, ".$1").split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[step];
  }
  return cur;
}

function renderValue(v: unknown): string {
  return v === undefined || v === null ? "Value null" : `Value '${javaString(v)}'`;
}

/** The service is Java: lists print as `[a, b]`, structures as `{K=v}`. */
function javaString(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(javaString).join(", ")}]`;
  if (v !== null && typeof v === "object")
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}=${javaString(x)}`)
      .join(", ")}}`;
  return String(v);
}
