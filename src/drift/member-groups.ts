/**
 * Members SageMaker checks together: one table, each row with its source, used by the update builder (which observed
 * members it must not carry next to the declared ones) and by the emulator (which combinations it refuses). Pure.
 *
 * A group lives in one structure (`shape`) and applies at every place the model has that structure: the ResourceSpec
 * group holds in the DefaultResourceSpec of every app settings block. Blocks here are wire form (PascalCase members).
 */
import { kindOf } from "./shapes.js";

export type Block = Readonly<Record<string, unknown>>;

/** Where a refusal is reported: the operation, the profile's ARN and the AWS path of the block. */
export interface RefusalContext {
  action: "create" | "update";
  arn: string;
  /** AWS-style dotted path of the block, e.g. `userSettings.jupyterLabAppSettings.defaultResourceSpec`. */
  path: string;
}

export interface MemberGroup {
  id: string;
  /** The structure whose members are checked together. */
  shape: string;
  /** Wire names of the members. */
  members: readonly string[];
  /** Where the rule comes from. */
  source: string;
  /**
   * The observed members the spec does not declare that must not be sent next to the declared ones (`declared`: the
   * declared members of the block, `observed`: the observed block). Each with why, for `diff` and the logs.
   */
  stale(declared: Block, observed: Block): { member: string; reason: string }[];
  /**
   * SageMaker's answer to a block as sent or as it would be stored (`before`: the block stored until now, empty on
   * create): the ValidationException message, or undefined when accepted.
   */
  refusal(block: Block, ctx: RefusalContext, before?: Block): string | undefined;
  /**
   * Declared members SageMaker does not take next to the other declared ones (the spec's own combination): neither
   * compared nor sent, and reported, so a spec that says more than SageMaker keeps still converges.
   */
  inert?(declared: Block): { member: string; reason: string }[];
  /** A documented value that clears a member, sent in place of a stale observed one (omitting may not clear it). */
  clearWith?: Readonly<Record<string, string>>;
  /**
   * Whether SageMaker also refuses the settings an update would leave stored (not only what the request carries).
   * Matters where an update keeps stored members it does not carry (an update that merges nested members).
   */
  checksStored: boolean;
}

const IMAGE = "SageMakerImageArn";
const VERSION = "SageMakerImageVersionArn";
const ALIAS = "SageMakerImageVersionAlias";
/** "To clear the value set for SageMakerImageVersionArn, pass None as the value" (API reference, ResourceSpec). */
export const CLEARED = "None";

const present = (v: unknown): boolean => v !== undefined && v !== null && v !== CLEARED;

/** `arn:…:image-version/NAME/3` names the image `arn:…:image/NAME`; anything else is compared as it is. */
const imageOfVersion = (versionArn: string): string => versionArn.replace(/:image-version\/([^/]+)\/\d+$/, ":image/$1");
const sameImage = (imageArn: unknown, versionArn: unknown): boolean =>
  typeof imageArn === "string" &&
  typeof versionArn === "string" &&
  imageOfVersion(versionArn).toLowerCase() === imageArn.toLowerCase();

const RESOURCE_SPEC_SOURCE =
  "AWS API reference, ResourceSpec: when SageMakerImageVersionArn and SageMakerImageArn are both passed, " +
  "SageMakerImageVersionArn is used; updates to SageMakerImageArn do not take effect while a SageMakerImageVersionArn " +
  "exists; pass None to clear it. SageMaker accepts such an update and ignores the new image; the emulator cannot " +
  "show that, so it refuses it (wording its own)";

const RSTUDIO_SOURCE =
  "terraform-provider-aws#33034 (ValidationException: `… with update to RStudioServerProAppSettings. Make sure " +
  "AccessStatus is set to ENABLED if …`); its fix, expandRStudioServerProAppSettings in " +
  "internal/service/sagemaker/domain.go, sends UserGroup only with AccessStatus ENABLED";

const JUPYTER_LCC_SOURCE =
  "AWS API reference, JupyterServerAppSettings.LifecycleConfigArns: if you use this parameter, the " +
  "DefaultResourceSpec parameter is also required (wording of the refusal undocumented)";

const LANDING_SOURCE =
  'AWS API reference, UserSettings.DefaultLandingUri: "studio::" can only be passed if StudioWebPortal is ENABLED';

export const MEMBER_GROUPS: readonly MemberGroup[] = [
  {
    id: "resource-spec-image",
    shape: "ResourceSpec",
    members: [IMAGE, VERSION, ALIAS],
    source: RESOURCE_SPEC_SOURCE,
    clearWith: { [VERSION]: CLEARED },
    // Documented: a stored SageMakerImageVersionArn keeps a new SageMakerImageArn from taking effect.
    checksStored: true,
    stale(declared, observed) {
      const out = new Map<string, string>();
      const imageChanged = present(declared[IMAGE]) && declared[IMAGE] !== observed[IMAGE];
      if (imageChanged) {
        out.set(VERSION, "the version of the previous image; it would take precedence over the new SageMakerImageArn");
        out.set(ALIAS, "a version alias of the previous image");
      }
      if (present(declared[ALIAS]))
        out.set(VERSION, "a pinned version; it would take precedence over the declared SageMakerImageVersionAlias");
      if (present(declared[VERSION])) {
        out.set(ALIAS, "another way to pick the version; the declared SageMakerImageVersionArn picks it");
        if (!sameImage(observed[IMAGE], declared[VERSION]))
          out.set(IMAGE, "another image than the one the declared SageMakerImageVersionArn belongs to");
      }
      return [...out].map(([member, reason]) => ({ member, reason }));
    },
    refusal(b, ctx, before = {}) {
      // Only a change of image is silently ineffective; a pair SageMaker already holds is carried as it is.
      if (!present(b[VERSION]) || !present(b[IMAGE]) || sameImage(b[IMAGE], b[VERSION]) || b[IMAGE] === before[IMAGE])
        return undefined;
      return (
        `Unable to ${ctx.action} UserProfile [${ctx.arn}]: ${ctx.path}.sageMakerImageArn '${String(b[IMAGE])}' ` +
        `would not take effect: SageMakerImageVersionArn '${String(b[VERSION])}' of another image takes precedence. ` +
        "Pass None as SageMakerImageVersionArn to clear it."
      );
    },
  },
  {
    id: "rstudio-access",
    shape: "RStudioServerProAppSettings",
    members: ["AccessStatus", "UserGroup"],
    source: RSTUDIO_SOURCE,
    // Terraform's fix, AccessStatus DISABLED sent alone over a stored UserGroup, is accepted: only the request counts.
    checksStored: false,
    // Terraform's testAccDomain_rStudioServerProAppSettings declares user_group with DISABLED and expects an empty plan
    // after sending DISABLED alone: SageMaker keeps (or omits) the group; it cannot be set while disabled.
    inert: (declared) =>
      declared.AccessStatus === "DISABLED" && present(declared.UserGroup)
        ? [
            {
              member: "UserGroup",
              reason: "SageMaker takes no UserGroup while AccessStatus is DISABLED; not sent, not compared",
            },
          ]
        : [],
    stale(declared, observed) {
      const access = declared.AccessStatus ?? observed.AccessStatus;
      if (access === "ENABLED" || present(declared.UserGroup)) return [];
      return [{ member: "UserGroup", reason: "SageMaker refuses a UserGroup unless AccessStatus is ENABLED" }];
    },
    refusal(b, ctx) {
      if (!present(b.UserGroup) || b.AccessStatus === "ENABLED") return undefined;
      const what = ctx.action === "update" ? "update to RStudioServerProAppSettings" : "RStudioServerProAppSettings";
      return (
        `Unable to ${ctx.action} UserProfile [${ctx.arn}] with ${what}. ` +
        "Make sure AccessStatus is set to ENABLED if UserGroup is specified."
      );
    },
  },
  {
    // The builder carries the observed DefaultResourceSpec of a block it sends, so only a spec that declares
    // LifecycleConfigArns where SageMaker has no DefaultResourceSpec (and declares none) meets this.
    id: "jupyter-server-lifecycle-configs",
    shape: "JupyterServerAppSettings",
    members: ["LifecycleConfigArns", "DefaultResourceSpec"],
    source: JUPYTER_LCC_SOURCE,
    // "If you use this parameter": a rule about the request.
    checksStored: false,
    stale: () => [],
    refusal(b, ctx) {
      if (b.LifecycleConfigArns === undefined || b.DefaultResourceSpec !== undefined) return undefined;
      return `Unable to ${ctx.action} UserProfile [${ctx.arn}]: ${ctx.path}.defaultResourceSpec is required when LifecycleConfigArns is used.`;
    },
  },
  {
    // Two top-level members, each its own block of the update request: the builder can leave neither out (SageMaker
    // keeps what a request omits), so only the emulator uses this row; the spec must declare both.
    id: "landing-uri-studio",
    shape: "UserSettings",
    members: ["StudioWebPortal", "DefaultLandingUri"],
    source: LANDING_SOURCE,
    // Undocumented whether SageMaker checks the stored pair: the strict side.
    checksStored: true,
    stale: () => [],
    refusal(b, ctx) {
      if (b.DefaultLandingUri !== "studio::" || b.StudioWebPortal !== "DISABLED") return undefined;
      return `Unable to ${ctx.action} UserProfile [${ctx.arn}]: DefaultLandingUri studio:: can only be set when StudioWebPortal is ENABLED.`;
    },
  },
];

/**
 * SageMaker's answer to a block of group `g` over the block stored before: a combination of the group's members that
 * SageMaker holds already (it accepted it) is not refused again; anything else as the group's refusal says.
 */
export function refusalOf(g: MemberGroup, block: Block, ctx: RefusalContext, before: Block = {}): string | undefined {
  const members = (b: Block) => JSON.stringify(g.members.map((m) => b[m] ?? null));
  if (members(block) === members(before)) return undefined;
  return g.refusal(block, ctx, before);
}

export const groupsOf = (shapeName: string): readonly MemberGroup[] =>
  MEMBER_GROUPS.filter((g) => g.shape === shapeName);

export interface Place {
  /** Wire path segments from the root, list indices as numbers. */
  path: (string | number)[];
  block: Record<string, unknown>;
}

/** Every structure of shape `target` inside a wire-form value of shape `root` (the root included), in document order. */
export function placesOf(target: string, root: string, value: unknown): Place[] {
  const out: Place[] = [];
  const walk = (shapeName: string, v: unknown, path: (string | number)[]): void => {
    const k = kindOf(shapeName);
    if (k.kind === "struct" && typeof v === "object" && v !== null && !Array.isArray(v)) {
      const rec = v as Record<string, unknown>;
      if (shapeName === target) out.push({ path, block: rec });
      for (const m of k.members) if (rec[m.wire] !== undefined) walk(m.shape, rec[m.wire], [...path, m.wire]);
    } else if (k.kind === "keyed" && Array.isArray(v))
      for (const [i, e] of v.entries()) walk(k.element, e, [...path, i]);
  };
  walk(root, value, []);
  return out;
}
