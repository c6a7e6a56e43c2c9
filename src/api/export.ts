/**
 * From a live profile to a SageMakerUserProfile that declares what is set on it (for migrating existing profiles into
 * Git): server defaults and the domain's own security groups are left out, so applying it produces no drift. Pure.
 */
import type { DescribeUserProfileResponse, Tag } from "./generated/sagemaker-shapes.js";
import type { SpecUserSettings } from "./generated/spec-types.js";
import { userSettingsFromSageMaker } from "./mapping.js";
import { API_VERSION, isReservedTagKey, KIND, type SageMakerUserProfile } from "./types.js";

/** What SageMaker fills in when a profile does not set it (see the emulator and the drift rules). */
const SERVER_DEFAULTS: Partial<Record<keyof SpecUserSettings, unknown>> = {
  spaceStorageSettings: { defaultEbsStorageSettings: { defaultEbsVolumeSizeInGb: 5, maximumEbsVolumeSizeInGb: 100 } },
  studioWebPortal: "ENABLED",
  autoMountHomeEFS: "DefaultAsDomain",
  rStudioServerProAppSettings: { accessStatus: "DISABLED", userGroup: "R_STUDIO_USER" },
};

/** A Kubernetes object name for a profile name: lower-case, SageMaker's `-` runs kept, at most 63 characters. */
export function resourceName(profileName: string): string {
  return profileName.toLowerCase().slice(0, 63);
}

export interface ExportOptions {
  namespace: string;
  /** The domain's default and SageMaker-managed security groups: SageMaker adds them to every profile. */
  domainSecurityGroups?: string[];
  tags?: Tag[];
}

export function exportProfile(observed: DescribeUserProfileResponse, o: ExportOptions): SageMakerUserProfile {
  const name = observed.UserProfileName ?? "";
  const settings = userSettingsFromSageMaker(observed.UserSettings ?? {}) as Record<string, unknown>;
  for (const [field, value] of Object.entries(SERVER_DEFAULTS))
    if (JSON.stringify(settings[field]) === JSON.stringify(value)) delete settings[field];
  const domainGroups = new Set(o.domainSecurityGroups ?? []);
  const own = ((settings.securityGroups as string[] | undefined) ?? []).filter((g) => !domainGroups.has(g));
  if (own.length) settings.securityGroups = own.sort();
  else delete settings.securityGroups;

  const metadataName = resourceName(name);
  const tags = (o.tags ?? []).filter((t) => !isReservedTagKey(t.Key)).map((t) => ({ key: t.Key, value: t.Value }));
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name: metadataName, namespace: o.namespace },
    spec: {
      domainId: observed.DomainId ?? "",
      ...(metadataName !== name ? { userProfileName: name } : {}),
      ...(observed.SingleSignOnUserIdentifier
        ? { singleSignOnUserIdentifier: observed.SingleSignOnUserIdentifier }
        : {}),
      ...(observed.SingleSignOnUserValue ? { singleSignOnUserValue: observed.SingleSignOnUserValue } : {}),
      // Existing profiles are taken over explicitly, never silently.
      adoptExisting: true,
      ...(Object.keys(settings).length ? { userSettings: settings as SpecUserSettings } : {}),
      ...(tags.length ? { tags } : {}),
    },
  };
}
