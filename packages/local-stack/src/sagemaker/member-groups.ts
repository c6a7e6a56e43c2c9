/**
 * SageMaker's checks of members together (the table in src/drift/member-groups.ts), applied to what a request
 * carries and to the settings it would leave stored. Kept apart from how an update is merged into the stored settings
 * (semantics.ts), so that either can change without the other.
 */
import type { UserSettings } from "../../../../src/api/generated/sagemaker-shapes.js";
import { type Block, CLEARED, MEMBER_GROUPS, placesOf, refusalOf } from "../../../../src/drift/member-groups.js";
import { invalid } from "./errors.js";
import { awsPath } from "./validation.js";

type Path = (string | number)[];

const blockAt = (settings: unknown, path: Path): Block => {
  const v = path.reduce<unknown>(
    (o, seg) => (o !== null && typeof o === "object" ? (o as Record<string, unknown>)[seg] : undefined),
    settings,
  );
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Block) : {};
};

/** `userSettings.jupyterLabAppSettings.defaultResourceSpec`, as AWS writes paths in messages. */
const placePath = (path: Path): string =>
  awsPath(path.reduce<string>((p, seg) => (typeof seg === "number" ? `${p}[${seg}]` : `${p}.${seg}`), "UserSettings"));

/**
 * Throws SageMaker's ValidationException for the first member group `settings` breaks. `before`: the settings stored
 * until now ({} on create). `carried`: when checking settings as they would be stored, the top-level members the
 * request carries; only those are checked, as SageMaker accepted the rest before, and only groups that SageMaker
 * checks in stored settings (`checksStored`).
 */
export function assertMemberGroups(
  settings: UserSettings | undefined,
  ctx: { action: "create" | "update"; arn: string },
  before: UserSettings = {},
  carried?: ReadonlySet<string>,
): void {
  for (const g of carried === undefined ? MEMBER_GROUPS : MEMBER_GROUPS.filter((g) => g.checksStored))
    for (const place of placesOf(g.shape, "UserSettings", settings ?? {})) {
      const top = place.path[0];
      const touched =
        carried === undefined || (top === undefined ? g.members.some((m) => carried.has(m)) : carried.has(String(top)));
      if (!touched) continue;
      const message = refusalOf(g, place.block, { ...ctx, path: placePath(place.path) }, blockAt(before, place.path));
      if (message !== undefined) throw invalid(message);
    }
}

/**
 * The settings as SageMaker stores them: a SageMakerImageVersionArn of `None` clears it ("To clear the value set for
 * SageMakerImageVersionArn, pass None as the value", API reference, ResourceSpec). Returns a copy.
 */
export function storedForm(settings: UserSettings): UserSettings {
  const out = structuredClone(settings);
  for (const { block } of placesOf("ResourceSpec", "UserSettings", out))
    if (block.SageMakerImageVersionArn === CLEARED) delete block.SageMakerImageVersionArn;
  return out;
}

/**
 * The gate an UpdateUserProfile passes before its result is stored: the request, then the settings it would leave
 * (in the blocks it carries), checked; the result in stored form.
 */
export function gateUpdate(arn: string) {
  return (merged: UserSettings, before: UserSettings, request: UserSettings | undefined): UserSettings => {
    const ctx = { action: "update", arn } as const;
    assertMemberGroups(request, ctx, before);
    const stored = storedForm(merged);
    const carried = new Set(Object.keys(request ?? {}).filter((k) => (request as Record<string, unknown>)[k] != null));
    assertMemberGroups(stored, ctx, before, carried);
    return stored;
  };
}
