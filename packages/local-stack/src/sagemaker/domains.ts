/** Building and editing domain records (ids, ARNs, the NFS boundary group): the domain side of the store. */
import { validateShape } from "../../../../src/api/model.js";
import { inUse, invalid } from "./errors.js";
import { applyUpdate } from "./modes.js";
import type { DomainRecord, StoreConfig } from "./records.js";
import { randomId } from "./rng.js";
import type { AdminDomainPatch, AdminDomainSpec } from "./types.js";

/** A new domain record; `exists` says whether a domain id is taken. */
export function newDomain(
  config: StoreConfig,
  spec: AdminDomainSpec,
  extra: Record<string, unknown>,
  exists: (domainId: string) => boolean,
): DomainRecord {
  const { region, accountId, random } = config;
  const domainId = spec.domainId ?? `d-${randomId(random, 12)}`;
  if (validateShape("DomainId", domainId).length > 0)
    throw invalid(`Invalid domain id ${domainId}: expected d-[a-z0-9]+`);
  if (exists(domainId)) throw inUse(`Domain ${domainId} already exists`);
  const appNetworkAccessType = spec.appNetworkAccessType ?? "PublicInternetOnly";
  const now = config.now();
  const domain: DomainRecord = {
    domainId,
    domainArn: `arn:aws:sagemaker:${region}:${accountId}:domain/${domainId}`,
    domainName: spec.domainName ?? domainId,
    authMode: spec.authMode ?? "IAM",
    defaultUserSettings: structuredClone(
      spec.defaultUserSettings ?? {
        ExecutionRole: `arn:aws:iam::${accountId}:role/service-role/AmazonSageMaker-ExecutionRole`,
      },
    ),
    appNetworkAccessType,
    ...(spec.vpcId !== undefined ? { vpcId: spec.vpcId } : {}),
    ...(spec.subnetIds !== undefined ? { subnetIds: [...spec.subnetIds] } : {}),
    homeEfsFileSystemId: `fs-${randomId(random, 17, "0123456789abcdef")}`,
    url: `https://${domainId}.studio.${region}.sagemaker.aws`,
    creationTime: now,
    lastModifiedTime: now,
    tags: new Map((spec.tags ?? []).map((t) => [t.Key, t.Value])),
    extra: structuredClone(extra),
  };
  const boundary = spec.securityGroupIdForDomainBoundary ?? appNetworkAccessType === "VpcOnly";
  setBoundary(config, domain, boundary);
  return domain;
}

/** Admin edits of a domain's settings; the caller stamps lastModifiedTime. */
export function applyDomainPatch(config: StoreConfig, domain: DomainRecord, patch: AdminDomainPatch): void {
  if (patch.defaultUserSettings !== undefined)
    domain.defaultUserSettings = applyUpdate(config.modes, domain.defaultUserSettings, patch.defaultUserSettings);
  if (patch.securityGroupIdForDomainBoundary !== undefined)
    setBoundary(config, domain, patch.securityGroupIdForDomainBoundary);
}

/** `true` generates a SageMaker-managed NFS group id, a string sets it, `false` removes it. */
function setBoundary(config: StoreConfig, domain: DomainRecord, boundary: string | boolean): void {
  if (boundary === false) delete domain.securityGroupIdForDomainBoundary;
  else
    domain.securityGroupIdForDomainBoundary =
      boundary === true ? `sg-nfs${randomId(config.random, 12, "0123456789abcdef")}` : boundary;
}
