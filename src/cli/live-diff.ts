/**
 * `diff --live`: every SageMakerUserProfile (from files, or from the cluster with --kube) against its live profile in
 * SageMaker, through the operator's own planner (live-plan.ts): what it would send (create, update, tags, adoption,
 * delete), what it would refuse (ownership, guardrails) and the members an update leaves out. Exit 2 when anything
 * would change or cannot converge, 0 when nothing would, 1 on errors. `-o markdown` prints a table per profile for a
 * pull-request comment.
 */
import type { KubeConfig } from "@kubernetes/client-node/dist/config.js";
import { parseArn } from "../accounts/index.js";
import { GROUP, OWNER_TAG, PLURAL, type SageMakerUserProfile, VERSION } from "../api/types.js";
import { validateManifestText } from "../api/validation.js";
import { collectionPath, errorMessage, isNotFound, KubeApi, type KubeObject, loadKubeConfig } from "../kube/index.js";
import { POLICY_PLURAL, partitionOf, type SageMakerProfilePolicy } from "../policy/index.js";
import type { SageMakerCall } from "../reconciler/index.js";
import { getCallerIdentity, SageMakerGateway } from "../sagemaker/index.js";
import { DiffInputError, EXIT_DRIFT, EXIT_NO_DRIFT, renderDrift, type UpdateVerdict } from "./diff-render.js";
import { type Guardrails, type LiveVerdict, liveVerdict } from "./live-plan.js";
import {
  displayPath,
  err,
  out,
  type Palette,
  palette,
  printProblems,
  readManifestFiles,
  renderDropped,
} from "./output.js";

interface LiveFlags {
  filename?: string;
  kube?: boolean;
  namespace?: string;
  /** The environment's account, when given (--aws-account-id): STS is not asked. */
  awsAccountId?: string;
  clusterId?: string;
  /** With --kube: the operator's --require-policy. */
  requirePolicy?: boolean;
  output: "text" | "json" | "markdown";
}

export async function runLiveDiff(flags: LiveFlags): Promise<number> {
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new DiffInputError("no AWS region: set AWS_REGION");
  const kubeConfig = flags.kube ? loadKubeConfig() : undefined;
  const resources = kubeConfig ? await fromCluster(kubeConfig, flags.namespace) : fromFiles(flags.filename);
  // The guardrails are the cluster's: evaluated when the resources come from it.
  const guardrails = kubeConfig
    ? { ...(await clusterGuardrails(kubeConfig, partitionOf(region))), requirePolicy: flags.requirePolicy ?? true }
    : undefined;
  // It reads with the environment's credentials and region: a profile of another account or region is refused, not
  // compared with the wrong account's profile (or, with none there, shown as a create). One that exists is pinned by
  // its ARN (status.userProfileArn: --kube, or a manifest exported from the cluster), as the operator pins it.
  const account = flags.awsAccountId ?? (await environmentAccount(resources, region));
  const elsewhere = resources.flatMap((r) => {
    const names = [
      ...(r.spec.accountRef ? [`SageMakerAccount ${r.spec.accountRef.name}`] : []),
      ...(r.spec.region !== undefined && r.spec.region !== region ? [`region ${r.spec.region}`] : []),
    ];
    if (names.length > 0) return [`${key(r)} names ${names.join(" and ")}`];
    const arn = r.status?.userProfileArn;
    const pinned = parseArn(arn);
    return pinned && (pinned.region !== region || pinned.accountId !== account) ? [`${key(r)} exists as ${arn}`] : [];
  });
  if (elsewhere.length > 0)
    throw new DiffInputError(
      `diff --live reads SageMaker with the environment's credentials${account ? ` (account ${account})` : ""} in ${region}; ${elsewhere.join(", ")}: run it with that account's credentials and AWS_REGION, on those files alone`,
    );
  const gateway = new SageMakerGateway({ region, rps: 5, burst: 5, concurrency: 4 });
  const verdicts: LiveVerdict[] = [];
  try {
    for (const resource of resources)
      verdicts.push(await liveVerdict(resource, { sagemaker: gateway, clusterId: flags.clusterId, guardrails }));
  } finally {
    gateway.destroy();
  }
  const changing = verdicts.filter((v) => v.changes).length;
  if (flags.output === "json") out(JSON.stringify(verdicts.map(jsonVerdict), null, 2));
  else if (flags.output === "markdown") for (const line of markdown(verdicts, changing)) out(line);
  else {
    const colour = palette(process.stdout);
    for (const v of verdicts) for (const line of textVerdict(v, colour)) out(line);
    out(`${changing} of ${verdicts.length} profiles would change.`);
  }
  return changing > 0 ? EXIT_DRIFT : EXIT_NO_DRIFT;
}

/**
 * The account of the environment's credentials (STS GetCallerIdentity, no permission needed), asked only when a
 * resource's ARN is in this region; undefined when none is.
 */
async function environmentAccount(resources: SageMakerUserProfile[], region: string): Promise<string | undefined> {
  if (!resources.some((r) => parseArn(r.status?.userProfileArn)?.region === region)) return undefined;
  try {
    return (await getCallerIdentity(undefined, region, undefined, AbortSignal.timeout(10_000))).account;
  } catch (e) {
    throw new DiffInputError(
      `a profile's status.userProfileArn names its account, and the environment's account is not known: STS GetCallerIdentity failed (${errorMessage(e)})`,
    );
  }
}

const key = (r: SageMakerUserProfile) => `${r.metadata.namespace ?? "default"}/${r.metadata.name}`;
const subject = (v: LiveVerdict) => `${key(v.resource)} (profile ${v.name} in ${v.resource.spec.domainId})`;
const cell = (v: unknown) => (v === undefined ? "_unset_" : `\`${JSON.stringify(v).replaceAll("|", "\\|")}\``);

function jsonVerdict(v: LiveVerdict) {
  const outcome = v.plan.outcome;
  return {
    resource: key(v.resource),
    domainId: v.resource.spec.domainId,
    userProfileName: v.name,
    exists: Boolean(v.profile),
    drift: v.drift?.patch ?? [],
    updateRequest: v.drift?.updateRequest ?? null,
    dropped: v.drift?.dropped ?? [],
    outcome: outcome ? { phase: outcome.phase, reason: outcome.reason, message: outcome.message } : null,
    calls: v.calls,
    changes: v.changes,
  };
}

/** The plan's update verdict for the drift display: sent, or why the operator would not send it. */
function updateVerdict(v: LiveVerdict): UpdateVerdict {
  const sent = v.calls.some((c) => c.op === "UpdateUserProfile");
  const outcome = v.plan.outcome;
  const observeOnly = v.resource.spec.managementPolicy === "Observe";
  return sent || observeOnly || !outcome ? { sent } : { sent, why: `${outcome.reason}: ${outcome.message}` };
}

/** The calls other than CreateUserProfile and UpdateUserProfile (shown with their requests), in words. */
function otherCalls(calls: SageMakerCall[]): string[] {
  return calls.flatMap((c) => {
    switch (c.op) {
      case "AddTags": {
        const owner = c.tags.find((t) => t.Key === OWNER_TAG);
        const rest = c.tags.filter((t) => t !== owner).map((t) => `${t.Key}=${t.Value}`);
        return [
          ...(owner ? [`adopt: AddTags ${OWNER_TAG}=${owner.Value}`] : []),
          ...(rest.length ? [`set tags: AddTags ${rest.join(", ")}`] : []),
        ];
      }
      case "DeleteTags":
        return [`remove tags: DeleteTags ${c.keys.join(", ")}`];
      case "DeleteUserProfile":
        return [`delete: DeleteUserProfile ${c.domainId}/${c.userProfileName}`];
      default:
        return [];
    }
  });
}

function textVerdict(v: LiveVerdict, colour: Palette): string[] {
  const lines: string[] = [];
  const create = v.calls.find((c) => c.op === "CreateUserProfile");
  const outcome = v.plan.outcome;
  if (create) {
    lines.push(colour.yellow(`Would create: ${subject(v)}`), "CreateUserProfile would send:");
    lines.push(...JSON.stringify(create.request, null, 2).split("\n").map(colour.dim));
  } else if (v.drift) lines.push(...renderDrift(v.resource, v.name, v.drift, colour, updateVerdict(v)));
  else if (outcome) lines.push(colour.yellow(`${outcome.reason}: ${subject(v)}: ${outcome.message}`));
  // A profile in sync that the operator would not write to all the same (an owner conflict, a stall).
  if (!create && v.drift && !v.drift.drifted && outcome && outcome.phase !== "InSync")
    lines.push(colour.yellow(`${outcome.reason}: ${outcome.message}`));
  for (const call of otherCalls(v.calls)) lines.push(colour.yellow(`Would ${call}`));
  return lines;
}

function markdown(verdicts: LiveVerdict[], changing: number): string[] {
  const lines = [`**sagemaker-profile-operator: ${changing} of ${verdicts.length} profiles would change**`, ""];
  for (const v of verdicts) {
    const title = `\`${key(v.resource)}\` (profile \`${v.name}\` in \`${v.resource.spec.domainId}\`)`;
    const outcome = v.plan.outcome;
    const update = updateVerdict(v);
    if (v.calls.some((c) => c.op === "CreateUserProfile")) lines.push(`- ${title}: **would be created**`);
    else if (v.drift?.drifted) {
      const verdict = update.sent
        ? `**UpdateUserProfile** (${v.drift.blocks.join(", ")})`
        : update.why
          ? `**not written**: ${update.why}`
          : "**drift** (managementPolicy Observe: reported, not written)";
      lines.push(`- ${title}: ${verdict}`, "", "  | field | live | declared |", "  | --- | --- | --- |");
      for (const c of v.drift.changes) lines.push(`  | \`${displayPath(c.path)}\` | ${cell(c.from)} | ${cell(c.to)} |`);
      lines.push("");
      if (v.drift.dropped.length > 0) {
        lines.push("  Left out of the request (SageMaker checks these members together):");
        for (const d of v.drift.dropped) lines.push(`  - \`${renderDropped(d)}\``);
        lines.push("");
      }
    } else if (outcome && v.changes && !v.calls.length)
      lines.push(`- ${title}: **${outcome.reason}**: ${outcome.message}`);
    else lines.push(`- ${title}: ${v.calls.length ? "settings match" : "no change"}`);
    for (const call of otherCalls(v.calls)) lines.push(`  - would ${call}`);
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

async function fromCluster(kubeConfig: KubeConfig, namespace: string | undefined): Promise<SageMakerUserProfile[]> {
  const api = new KubeApi(kubeConfig);
  const path = collectionPath({ group: GROUP, version: VERSION, plural: PLURAL, namespace });
  return (await api.get<{ items: SageMakerUserProfile[] }>(path)).items;
}

/** The SageMakerProfilePolicy resources and namespace labels the operator would evaluate (none without the CRD). */
async function clusterGuardrails(kubeConfig: KubeConfig, partition: string): Promise<Guardrails> {
  try {
    const api = new KubeApi(kubeConfig);
    const policies = await api
      .get<{ items: SageMakerProfilePolicy[] }>(
        collectionPath({ group: GROUP, version: VERSION, plural: POLICY_PLURAL }),
      )
      .then((list) => list.items)
      .catch((e: unknown) => {
        if (isNotFound(e)) return [];
        throw e;
      });
    const namespaces = await api.get<{ items: KubeObject[] }>("/api/v1/namespaces");
    const labels = new Map(namespaces.items.map((n) => [n.metadata?.name ?? "", n.metadata?.labels ?? {}]));
    return { policies, namespaceLabels: (ns) => labels.get(ns), partition };
  } catch (e) {
    throw new DiffInputError(`cannot read the guardrails (policies, namespaces) from the cluster: ${errorMessage(e)}`);
  }
}
