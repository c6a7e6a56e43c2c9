/**
 * `diff --live`: every SageMakerUserProfile (from files, or from the cluster with --kube) against its live profile in
 * SageMaker. Exit 2 when anything would change (an update, or a create for a missing profile), 0 when nothing would,
 * 1 on errors. `-o markdown` prints a table per profile for a pull-request comment.
 */
import { CustomObjectsApi } from "@kubernetes/client-node";
import type { DescribeUserProfileResponse } from "../api/generated/sagemaker-shapes.js";
import { GROUP, PLURAL, profileName, type SageMakerUserProfile, VERSION } from "../api/types.js";
import { validateManifestText } from "../api/validation.js";
import { computeDrift, type DriftResult } from "../drift/index.js";
import { loadKubeConfig } from "../kube/index.js";
import { SageMakerGateway } from "../sagemaker/index.js";
import { DiffInputError, EXIT_DRIFT, EXIT_NO_DRIFT, renderText } from "./commands/diff.js";
import { displayPath, err, out, palette, printProblems, readManifestFiles, renderDropped } from "./output.js";

interface LiveFlags {
  filename?: string;
  kube?: boolean;
  namespace?: string;
  output: "text" | "json" | "markdown";
}

interface Verdict {
  resource: SageMakerUserProfile;
  name: string;
  /** undefined: the profile does not exist (the operator would create it). */
  drift?: DriftResult;
}

export async function runLiveDiff(flags: LiveFlags): Promise<number> {
  const resources = flags.kube ? await fromCluster(flags.namespace) : fromFiles(flags.filename);
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new DiffInputError("no AWS region: set AWS_REGION");
  const gateway = new SageMakerGateway({ region, rps: 5, burst: 5, concurrency: 4 });
  const verdicts: Verdict[] = [];
  try {
    for (const resource of resources) {
      const name = profileName(resource);
      const observed = await gateway.describeUserProfile(resource.spec.domainId, name);
      if (!observed) {
        verdicts.push({ resource, name });
        continue;
      }
      const groups = resource.spec.userSettings?.securityGroups
        ? await gateway.domainSecurityGroups(resource.spec.domainId)
        : [];
      verdicts.push({
        resource,
        name,
        drift: computeDrift(resource.spec, name, observed as DescribeUserProfileResponse, {
          domainSecurityGroups: groups,
        }),
      });
    }
  } finally {
    gateway.destroy();
  }
  const changing = verdicts.filter((v) => !v.drift || v.drift.drifted);
  if (flags.output === "json")
    out(
      JSON.stringify(
        verdicts.map((v) => ({
          resource: key(v.resource),
          domainId: v.resource.spec.domainId,
          userProfileName: v.name,
          exists: v.drift !== undefined,
          drift: v.drift?.patch ?? [],
          updateRequest: v.drift?.updateRequest ?? null,
          dropped: v.drift?.dropped ?? [],
        })),
        null,
        2,
      ),
    );
  else if (flags.output === "markdown") for (const line of markdown(verdicts, changing.length)) out(line);
  else {
    const colour = palette(process.stdout);
    for (const v of verdicts) {
      if (!v.drift)
        out(colour.yellow(`Would create: ${key(v.resource)} (profile ${v.name} in ${v.resource.spec.domainId})`));
      else for (const line of renderText(v.resource, v.name, v.drift, colour)) out(line);
    }
    out(`${changing.length} of ${verdicts.length} profiles would change.`);
  }
  return changing.length > 0 ? EXIT_DRIFT : EXIT_NO_DRIFT;
}

const key = (r: SageMakerUserProfile) => `${r.metadata.namespace ?? "default"}/${r.metadata.name}`;
const cell = (v: unknown) => (v === undefined ? "_unset_" : `\`${JSON.stringify(v).replaceAll("|", "\\|")}\``);

function markdown(verdicts: Verdict[], changing: number): string[] {
  const lines = [`**sagemaker-profile-operator: ${changing} of ${verdicts.length} profiles would change**`, ""];
  for (const v of verdicts) {
    const title = `\`${key(v.resource)}\` (profile \`${v.name}\` in \`${v.resource.spec.domainId}\`)`;
    if (!v.drift) lines.push(`- ${title}: **would be created**`);
    else if (!v.drift.drifted) lines.push(`- ${title}: no change`);
    else {
      lines.push(
        `- ${title}: **UpdateUserProfile** (${v.drift.blocks.join(", ")})`,
        "",
        "  | field | live | declared |",
        "  | --- | --- | --- |",
      );
      for (const c of v.drift.changes) lines.push(`  | \`${displayPath(c.path)}\` | ${cell(c.from)} | ${cell(c.to)} |`);
      lines.push("");
      if (v.drift.dropped.length > 0) {
        lines.push("  Left out of the request (SageMaker checks these members together):");
        for (const d of v.drift.dropped) lines.push(`  - \`${renderDropped(d)}\``);
        lines.push("");
      }
    }
  }
  return lines;
}

function fromFiles(path: string | undefined): SageMakerUserProfile[] {
  if (!path) throw new DiffInputError("diff --live needs -f FILE_OR_DIR, or --kube");
  const out: SageMakerUserProfile[] = [];
  let invalid = 0;
  for (const file of readManifestFiles([path])) {
    if (file.text === undefined) throw new DiffInputError(`${file.path}: cannot read: ${file.error ?? "unreadable"}`);
    const { documents, problems } = validateManifestText(file.text, file.path);
    printProblems(problems, err);
    invalid += problems.length;
    out.push(...documents.map((d) => d.object as SageMakerUserProfile));
  }
  if (invalid) throw new DiffInputError(`${path}: invalid manifests (${invalid} problem${invalid === 1 ? "" : "s"})`);
  if (!out.length) throw new DiffInputError(`${path}: no SageMakerUserProfile documents`);
  return out;
}

async function fromCluster(namespace: string | undefined): Promise<SageMakerUserProfile[]> {
  const api = loadKubeConfig().makeApiClient(CustomObjectsApi);
  const coords = { group: GROUP, version: VERSION, plural: PLURAL };
  const list = (await (namespace
    ? api.listNamespacedCustomObject({ ...coords, namespace })
    : api.listClusterCustomObject(coords))) as { items: SageMakerUserProfile[] };
  return list.items;
}
