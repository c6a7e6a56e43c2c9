/**
 * `diff -f MANIFEST --observed DESCRIBE_JSON`: what the operator would change in SageMaker for one profile, offline.
 * Exit 0 when there is no drift, 2 when there is, 1 on any error (invalid manifest, unreadable or malformed input).
 */
import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import type { DescribeUserProfileResponse } from "../../api/generated/sagemaker-shapes.js";
import { validateShape } from "../../api/model.js";
import { profileName, type SageMakerUserProfile } from "../../api/types.js";
import { validateManifestText } from "../../api/validation.js";
import { computeDrift, type DriftContext } from "../../drift/index.js";
import { DiffInputError, EXIT_DRIFT, EXIT_ERROR, EXIT_NO_DRIFT, renderDrift } from "../diff-render.js";
import { awsAccountId } from "../flags.js";
import { err, errorMessage, out, palette, printProblems } from "../output.js";

interface DiffFlags {
  filename?: string;
  observed?: string;
  live?: boolean;
  kube?: boolean;
  namespace?: string;
  awsAccountId?: string;
  clusterId?: string;
  requirePolicy: boolean;
  output: "text" | "json" | "markdown";
  domainSecurityGroups?: string[];
}

export { DiffInputError };

export function register(program: Command): void {
  program
    .command("diff")
    .description(
      "Show what the operator would change: a manifest against a DescribeUserProfile response (--observed), or manifests / cluster resources against live SageMaker (--live)",
    )
    .option(
      "-f, --filename <path>",
      "manifest (with --observed: exactly one profile; with --live: a file or directory)",
    )
    .option("--observed <path>", "DescribeUserProfile response as JSON (aws sagemaker describe-user-profile)")
    .option("--live", "describe each profile in SageMaker (region, endpoint and credentials from the AWS environment)")
    .option(
      "--kube",
      "with --live: compare the SageMakerUserProfile resources in the cluster (KUBECONFIG) instead of files",
    )
    .option("--namespace <ns>", "with --kube: only this namespace")
    .option(
      "--aws-account-id <id>",
      "with --live: the account of the environment's credentials (12 digits; default: asked of STS GetCallerIdentity when a resource's status.userProfileArn is in the region)",
      awsAccountId,
    )
    .option(
      "--cluster-id <id>",
      "with --live: the operator's --cluster-id, which owner tags start with (default: the owner each resource's status records, else an owner tag naming the resource, else default)",
    )
    .option(
      "--require-policy [bool]",
      "with --kube: the operator's --require-policy (a namespace no SageMakerProfilePolicy covers is refused)",
      (v: string) => {
        if (v !== "true" && v !== "false") throw new Error(`--require-policy must be true or false, got "${v}"`);
        return v === "true";
      },
      true,
    )
    .addOption(
      new Option("-o, --output <format>", "output format").choices(["text", "json", "markdown"]).default("text"),
    )
    .option(
      "--domain-security-groups <ids>",
      "the domain's default security groups (comma-separated), which SageMaker adds to every profile",
      (v: string) =>
        v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
    )
    .action(async (flags: DiffFlags) => {
      try {
        if (flags.live) {
          const { runLiveDiff } = await import("../live-diff.js");
          process.exitCode = await runLiveDiff(flags);
        } else {
          if (!flags.filename || !flags.observed)
            throw new DiffInputError(
              "diff needs -f MANIFEST and --observed DESCRIBE_JSON, or --live (-f PATH or --kube)",
            );
          if (flags.output === "markdown") throw new DiffInputError("-o markdown goes with --live");
          process.exitCode = runDiff(flags as DiffFlags & { filename: string; observed: string });
        }
      } catch (e) {
        if (!(e instanceof DiffInputError)) throw e;
        err(e.message);
        process.exitCode = EXIT_ERROR;
      }
    });
}

function runDiff(flags: DiffFlags & { filename: string; observed: string }): number {
  const resource = readManifest(flags.filename);
  const observed = readObserved(flags.observed);
  const name = profileName(resource);
  checkSameProfile(resource, name, observed, flags.observed);

  const ctx: DriftContext = flags.domainSecurityGroups ? { domainSecurityGroups: flags.domainSecurityGroups } : {};
  const result = computeDrift(resource.spec, name, observed, ctx);

  if (flags.output === "json") {
    out(JSON.stringify({ drift: result.patch, updateRequest: result.updateRequest, dropped: result.dropped }, null, 2));
  } else {
    for (const line of renderDrift(resource, name, result, palette(process.stdout))) out(line);
  }
  return result.drifted ? EXIT_DRIFT : EXIT_NO_DRIFT;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new DiffInputError(`${path}: cannot read ${what}: ${errorMessage(e)}`);
  }
}

/** The manifest, validated exactly as `validate` does; it must hold one SageMakerUserProfile. */
function readManifest(path: string): SageMakerUserProfile {
  const { documents, problems } = validateManifestText(readText(path, "manifest"), path);
  if (problems.length > 0) {
    printProblems(problems, err);
    throw new DiffInputError(
      `${path}: invalid manifest (${problems.length} problem${problems.length === 1 ? "" : "s"})`,
    );
  }
  const [only, ...more] = documents;
  if (!only || more.length > 0)
    throw new DiffInputError(`${path}: expected exactly one SageMakerUserProfile, found ${documents.length}`);
  return only.object as SageMakerUserProfile;
}

const TIMESTAMPS = ["CreationTime", "LastModifiedTime"] as const;

/** An AWS timestamp as JSON: ISO 8601 (AWS CLI default) or epoch seconds (the wire format; milliseconds tolerated). */
function toDate(value: unknown): Date | undefined {
  if (typeof value === "number") return new Date(value > 1e11 ? value : value * 1000);
  if (typeof value === "string") {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

function readObserved(path: string): DescribeUserProfileResponse {
  return parseObserved(readText(path, "observed profile"), path);
}

/**
 * A DescribeUserProfile response as AWS prints it (PascalCase JSON), with its timestamps as Dates. `source` names
 * the input in messages.
 */
export function parseObserved(text: string, source: string): DescribeUserProfileResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new DiffInputError(`${source}: not valid JSON: ${errorMessage(e)}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new DiffInputError(`${source}: expected a DescribeUserProfile response (a JSON object)`);
  // `$metadata` and the like come from SDK output; they are not part of the response.
  const response = Object.fromEntries(Object.entries(parsed).filter(([k]) => !k.startsWith("$"))) as Record<
    string,
    unknown
  >;
  for (const key of TIMESTAMPS) {
    if (response[key] === undefined) continue;
    const date = toDate(response[key]);
    if (!date) throw new DiffInputError(`${source}: ${key}: not a timestamp: ${JSON.stringify(response[key])}`);
    response[key] = date;
  }
  // Only structural errors are fatal: a newer API may add members or enum values this model does not know yet.
  const broken = validateShape("DescribeUserProfileResponse", response).filter(
    (v) => v.message.startsWith("must be") && !TIMESTAMPS.some((t) => v.path === t),
  );
  if (broken.length > 0) throw new DiffInputError(broken.map((v) => `${source}: ${v.path}: ${v.message}`).join("\n"));
  return response as DescribeUserProfileResponse;
}

/** Comparing a manifest with another profile's description would show nonsense drift: refuse it. */
export function checkSameProfile(
  resource: SageMakerUserProfile,
  name: string,
  observed: DescribeUserProfileResponse,
  observedPath: string,
): void {
  if (observed.DomainId !== undefined && observed.DomainId !== resource.spec.domainId)
    throw new DiffInputError(
      `${observedPath}: describes domain ${observed.DomainId}, but the manifest declares ${resource.spec.domainId}`,
    );
  // Profile names are not case sensitive in SageMaker, and Describe may answer one in lower case.
  if (observed.UserProfileName !== undefined && observed.UserProfileName.toLowerCase() !== name.toLowerCase())
    throw new DiffInputError(
      `${observedPath}: describes profile ${observed.UserProfileName}, but the manifest declares ${name}`,
    );
}
