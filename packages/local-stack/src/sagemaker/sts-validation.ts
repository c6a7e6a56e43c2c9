/**
 * AssumeRole's input checks, from the STS model (botocore `botocore/data/sts/2011-06-15/service-2.json`, shapes
 * `arnType`, `roleSessionNameType`, `externalIdType`, `roleDurationSecondsType`, `tagListType`, `tagKeyType`,
 * `tagValueType`, `tagKeyListType`, `sourceIdentityType`) and worded as STS words a constraint violation
 * ("1 validation error detected: Value '...' at 'roleSessionName' failed to satisfy constraint: ...").
 */
import { ApiError } from "./errors.js";

export interface AssumeRoleInput {
  roleArn: string;
  roleSessionName: string;
  externalId?: string;
  durationSeconds?: number;
  tags: Array<{ key: string; value: string }>;
  transitiveTagKeys: string[];
  sourceIdentity?: string;
}

interface StringRule {
  min: number;
  max: number;
  /** The model's pattern as STS prints it, and a JS equivalent (anchored, Unicode). */
  pattern?: { text: string; re: RegExp };
}

const pattern = (text: string, source = text) => ({ text, re: new RegExp(`^(?:${source})$`, "u") });
// arnType's pattern is "every character but the C0 controls other than tab, LF, CR" (and the surrogates/U+FFFE-F).
const ARN: StringRule = {
  min: 20,
  max: 2048,
  pattern: pattern(
    "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+",
    "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u{10000}-\\u{10FFFF}]+",
  ),
};
const SESSION_NAME: StringRule = { min: 2, max: 64, pattern: pattern("[\\w+=,.@-]*") };
const EXTERNAL_ID: StringRule = { min: 2, max: 1224, pattern: pattern("[\\w+=,.@:\\/-]*") };
const SOURCE_IDENTITY: StringRule = { min: 2, max: 64, pattern: pattern("[\\w+=,.@-]*") };
const TAG_KEY: StringRule = { min: 1, max: 128, pattern: pattern("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+") };
const TAG_VALUE: StringRule = { min: 0, max: 256, pattern: pattern("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*") };
export const MIN_DURATION_SECONDS = 900;
export const MAX_DURATION_SECONDS = 43_200;
const MAX_TAGS = 50;

/** Parameters the emulator cannot honour (session policies, MFA, provided contexts): refused, never ignored. */
const UNSUPPORTED = ["Policy", "PolicyArns", "SerialNumber", "TokenCode", "ProvidedContexts"];

/** Reads and checks AssumeRole's query parameters; every violation is listed, as STS lists them. */
export function parseAssumeRole(params: URLSearchParams): AssumeRoleInput {
  for (const name of UNSUPPORTED)
    if ([...params.keys()].some((k) => k === name || k.startsWith(`${name}.`)))
      throw new ApiError("ValidationError", `emulator: AssumeRole parameter ${name} is not supported`, 400);
  const problems: string[] = [];
  const str = (name: string, location: string, rule: StringRule, required: boolean): string | undefined => {
    const value = params.get(name);
    if (value === null) {
      if (required) problems.push(`Value null at '${location}' failed to satisfy constraint: Member must not be null`);
      return undefined;
    }
    checkString(value, location, rule, problems);
    return value;
  };
  const roleArn = str("RoleArn", "roleArn", ARN, true);
  const roleSessionName = str("RoleSessionName", "roleSessionName", SESSION_NAME, true);
  const externalId = str("ExternalId", "externalId", EXTERNAL_ID, false);
  const sourceIdentity = str("SourceIdentity", "sourceIdentity", SOURCE_IDENTITY, false);
  let durationSeconds: number | undefined;
  const duration = params.get("DurationSeconds");
  if (duration !== null) {
    durationSeconds = Number(duration);
    if (!/^-?\d+$/.test(duration)) throw new ApiError("MalformedInput", `Invalid integer: ${duration}`, 400);
    if (durationSeconds < MIN_DURATION_SECONDS)
      problems.push(
        `Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to ${MIN_DURATION_SECONDS}`,
      );
    if (durationSeconds > MAX_DURATION_SECONDS)
      problems.push(
        `Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to ${MAX_DURATION_SECONDS}`,
      );
  }
  const tags = members(params, "Tags").map((i) => ({
    key: str(`Tags.member.${i}.Key`, `tags.${i}.member.key`, TAG_KEY, true) ?? "",
    value: str(`Tags.member.${i}.Value`, `tags.${i}.member.value`, TAG_VALUE, true) ?? "",
  }));
  if (tags.length > MAX_TAGS)
    problems.push(
      `Value '[...]' at 'tags' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TAGS}`,
    );
  const transitiveTagKeys = members(params, "TransitiveTagKeys").map(
    (i) => str(`TransitiveTagKeys.member.${i}`, `transitiveTagKeys.${i}.member`, TAG_KEY, true) ?? "",
  );
  if (transitiveTagKeys.length > MAX_TAGS)
    problems.push(
      `Value '[...]' at 'transitiveTagKeys' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TAGS}`,
    );
  if (problems.length > 0)
    throw new ApiError(
      "ValidationError",
      `${problems.length} validation error${problems.length > 1 ? "s" : ""} detected: ${problems.join("; ")}`,
      400,
    );
  return {
    roleArn: roleArn as string,
    roleSessionName: roleSessionName as string,
    ...(externalId !== undefined ? { externalId } : {}),
    ...(durationSeconds !== undefined ? { durationSeconds } : {}),
    ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
    tags,
    transitiveTagKeys,
  };
}

function checkString(value: string, location: string, rule: StringRule, problems: string[]): void {
  const length = [...value].length;
  const at = `Value '${value}' at '${location}' failed to satisfy constraint:`;
  if (length < rule.min) problems.push(`${at} Member must have length greater than or equal to ${rule.min}`);
  if (length > rule.max) problems.push(`${at} Member must have length less than or equal to ${rule.max}`);
  if (rule.pattern && length > 0 && !rule.pattern.re.test(value))
    problems.push(`${at} Member must satisfy regular expression pattern: ${rule.pattern.text}`);
}

/** The 1-based indexes of a query-protocol list (`Name.member.N...`), in order; a gap ends nothing, as keys decide. */
function members(params: URLSearchParams, name: string): number[] {
  const found = new Set<number>();
  const re = new RegExp(`^${name}\\.member\\.(\\d+)(?:\\.|$)`);
  for (const key of params.keys()) {
    const m = re.exec(key);
    if (m) found.add(Number(m[1]));
  }
  return [...found].sort((a, b) => a - b);
}
