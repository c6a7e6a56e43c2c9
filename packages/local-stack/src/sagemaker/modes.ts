/**
 * Emulator modes: where AWS does not document a behaviour, the emulator can answer each plausible way, and the
 * operator is tested under every one (docs/fidelity.md, "SageMaker: undocumented behaviours"). Each mode is a pure
 * function of the stored state here; the defaults are the emulator's original answers.
 */
import type { UserSettings } from "../../../../src/api/generated/sagemaker-shapes.js";
import {
  applyUserSettingsUpdate,
  UPDATE_SEMANTICS,
  type UpdateSemantics,
} from "../../../../src/sagemaker/semantics.js";
import { invalid } from "./errors.js";

export type TimestampPrecision = "ms" | "s";

export interface EmulatorModes {
  /**
   * `UserProfileName` as DescribeUserProfile and ListUserProfiles answer it: `lowercase` (default), as in the ARN and as
   * terraform-provider-aws#20939 saw it, or `asCreated`, as sent to CreateUserProfile. Lookups ignore case either way.
   */
  profileNameCase: "lowercase" | "asCreated";
  /**
   * The error of a profile call (Create, Describe, Update, Delete) naming a domain that does not exist:
   * `ResourceNotFound` (default) or `ValidationException` (SageMaker answers some missing resources so, boto/boto3#4606).
   */
  missingDomainError: "ResourceNotFound" | "ValidationException";
  /** How UpdateUserProfile (and the admin's out-of-band edits) apply UserSettings; see src/sagemaker/semantics.ts. */
  updateSemantics: UpdateSemantics;
  /**
   * `aggregate`: Describe returns the profile's own SecurityGroups together with the domain's
   * DefaultUserSettings.SecurityGroups and its SageMaker-managed NFS group. `own`: only the profile's own.
   */
  describeSecurityGroups: "aggregate" | "own";
  /** `inherit`: Describe fills in the domain's ExecutionRole when the profile has none. `own`: it does not. */
  describeExecutionRole: "inherit" | "own";
  /**
   * `filled`: Describe adds the server's defaults where nothing is stored (SpaceStorageSettings, StudioWebPortal,
   * AutoMountHomeEFS, RStudioServerProAppSettings). `stored-only`: it shows what is stored (and the domain's role and
   * groups per their modes), and no UserSettings at all when that is nothing, as Terraform's acceptance test of a
   * bare profile saw it.
   */
  describeServerDefaults: "filled" | "stored-only";
  /** `shown`: Describe's RStudioServerProAppSettings always carries a UserGroup. `omitted-when-disabled`: not while DISABLED. */
  describeRStudioUserGroup: "shown" | "omitted-when-disabled";
  /** `on-request`: LastModifiedTime is the time of the request that changed the profile. `on-settle`: also of Pending/Updating -> InService. */
  lastModifiedTime: "on-request" | "on-settle";
  /**
   * Whether AddTags and DeleteTags on a user profile move its LastModifiedTime: `unchanged` (default: the stricter for a
   * client that reads a change of owner from LastModifiedTime) or `moved`. A domain's time stays either way.
   */
  profileTagWrites: "unchanged" | "moved";
  /** Precision of ListUserProfiles' timestamps (`s` truncates to whole seconds). */
  listTimestampPrecision: TimestampPrecision;
  /** Precision of DescribeUserProfile's timestamps. */
  describeTimestampPrecision: TimestampPrecision;
  /**
   * `unchecked`: the images, image versions, app image configs, lifecycle configs and file systems a profile names are
   * checked against the model's patterns only. `checked`: Create and Update refuse one the admin did not seed
   * (references.ts).
   */
  referencedResources: "unchecked" | "checked";
  /**
   * Whether a Failed app keeps its user profile or space from being deleted: `blocks` (default), as
   * amazon-sagemaker-feedback#113 reports of a broken app, or `ignored`, as the Developer Guide's "for each non-failed
   * app ... Delete" suggests.
   */
  failedAppsBlockDelete: "blocks" | "ignored";
  /** The answer to DeleteApp on an app already Deleting or Deleted (undocumented). */
  repeatedAppDelete: "ResourceInUse" | "ResourceNotFound";
}

/** Every value of every mode; the first is the default (the emulator's behaviour before modes existed). */
export const MODE_VALUES: { readonly [K in keyof EmulatorModes]: readonly EmulatorModes[K][] } = {
  profileNameCase: ["lowercase", "asCreated"],
  missingDomainError: ["ResourceNotFound", "ValidationException"],
  updateSemantics: UPDATE_SEMANTICS,
  describeSecurityGroups: ["aggregate", "own"],
  describeExecutionRole: ["inherit", "own"],
  describeServerDefaults: ["filled", "stored-only"],
  describeRStudioUserGroup: ["shown", "omitted-when-disabled"],
  lastModifiedTime: ["on-request", "on-settle"],
  profileTagWrites: ["unchanged", "moved"],
  listTimestampPrecision: ["ms", "s"],
  describeTimestampPrecision: ["ms", "s"],
  referencedResources: ["unchecked", "checked"],
  failedAppsBlockDelete: ["blocks", "ignored"],
  repeatedAppDelete: ["ResourceInUse", "ResourceNotFound"],
};

export const DEFAULT_MODES: Readonly<EmulatorModes> = Object.freeze(
  Object.fromEntries(Object.entries(MODE_VALUES).map(([k, values]) => [k, values[0]])) as unknown as EmulatorModes,
);

/** `base` with `patch` applied; an unknown mode or value is refused (ValidationException), never ignored. */
export function withModes(base: Readonly<EmulatorModes>, patch: unknown): EmulatorModes {
  if (patch === undefined) return { ...base };
  if (typeof patch !== "object" || patch === null || Array.isArray(patch))
    throw invalid("modes must be an object of mode -> value");
  const out: Record<string, unknown> = { ...base };
  for (const [mode, value] of Object.entries(patch)) {
    const allowed = (MODE_VALUES as Record<string, readonly string[]>)[mode];
    if (!allowed) throw invalid(`Unknown emulator mode ${mode}; known: ${Object.keys(MODE_VALUES).join(", ")}`);
    if (!allowed.includes(value as string))
      throw invalid(`Emulator mode ${mode} cannot be ${JSON.stringify(value)}; one of: ${allowed.join(", ")}`);
    out[mode] = value;
  }
  return out as unknown as EmulatorModes;
}

export function applyUpdate(modes: EmulatorModes, current: UserSettings, update: UserSettings | undefined) {
  return applyUserSettingsUpdate(modes.updateSemantics, current, update);
}

/** What the domain contributes to a described profile. */
export interface DomainDefaults {
  defaultUserSettings: UserSettings;
  securityGroupIdForDomainBoundary?: string;
}

/**
 * UserSettings as DescribeUserProfile shows them (undefined: none at all): the stored values, per mode the server's
 * defaults where nothing is stored, ExecutionRole from the domain and SecurityGroups aggregated with the domain's default groups and
 * its SageMaker-managed NFS group (de-duplicated and sorted, so not in declared order: clients compare as sets).
 */
export function describedUserSettings(
  modes: EmulatorModes,
  stored: UserSettings,
  domain: DomainDefaults | undefined,
): UserSettings | undefined {
  const s: UserSettings = structuredClone(stored);
  if (modes.describeExecutionRole === "inherit") {
    const role = s.ExecutionRole ?? domain?.defaultUserSettings.ExecutionRole;
    if (role !== undefined) s.ExecutionRole = role;
  }
  const groups = new Set([
    ...(s.SecurityGroups ?? []),
    ...(modes.describeSecurityGroups === "aggregate"
      ? [
          ...(domain?.defaultUserSettings.SecurityGroups ?? []),
          ...(domain?.securityGroupIdForDomainBoundary !== undefined ? [domain.securityGroupIdForDomainBoundary] : []),
        ]
      : []),
  ]);
  if (groups.size > 0) s.SecurityGroups = [...groups].sort();
  else delete s.SecurityGroups;
  if (modes.describeServerDefaults === "filled") {
    s.SpaceStorageSettings ??= {
      DefaultEbsStorageSettings: { DefaultEbsVolumeSizeInGb: 5, MaximumEbsVolumeSizeInGb: 100 },
    };
    s.StudioWebPortal ??= "ENABLED";
    s.AutoMountHomeEFS ??= "DefaultAsDomain";
    s.RStudioServerProAppSettings = {
      AccessStatus: "DISABLED",
      UserGroup: "R_STUDIO_USER",
      ...s.RStudioServerProAppSettings,
    };
  }
  const rstudio = s.RStudioServerProAppSettings;
  if (modes.describeRStudioUserGroup === "omitted-when-disabled" && rstudio?.AccessStatus === "DISABLED")
    s.RStudioServerProAppSettings = { AccessStatus: "DISABLED" };
  return Object.keys(s).length > 0 ? s : undefined;
}

/** A timestamp on the wire (epoch seconds), at the given precision: `s` truncates to the whole second. */
export function wireTime(ms: number, precision: TimestampPrecision): number {
  return precision === "s" ? Math.floor(ms / 1000) : ms / 1000;
}
