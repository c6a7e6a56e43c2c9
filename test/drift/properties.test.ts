/** Properties of the drift engine over random UserSettings drawn from the SageMaker model. */
import fc from "fast-check";
import jsonpatch from "fast-json-patch";
import { describe, expect, it } from "vitest";
import type { UserSettings } from "../../src/api/generated/sagemaker-shapes.js";
import { userSettingsFromSageMaker, userSettingsToSageMaker } from "../../src/api/mapping.js";
import { specName, wireName } from "../../src/api/model.js";
import type { SpecUserSettings } from "../../src/api/types.js";
import { compare } from "../../src/drift/compare.js";
import { computeDrift, type DriftContext } from "../../src/drift/index.js";
import { MEMBER_GROUPS, type MemberGroup, placesOf, refusalOf } from "../../src/drift/member-groups.js";
import { observedSpec } from "../../src/drift/normalize.js";
import { isRecord, kindOf, userSettingsMembers } from "../../src/drift/shapes.js";
import { applyUserSettingsUpdate, UPDATE_SEMANTICS } from "../../src/sagemaker/semantics.js";
import { driftOnce, fillUndeclared, GROUP_POOL, shuffleLists, userSettingsArb } from "./arbitraries.js";
import { described, NAME, spec } from "./fixtures.js";

const RUNS = { numRuns: 500 };

/**
 * How the observed profile relates to the spec: unrelated, equal on the declared fields, equal but for one place,
 * or a mix of both.
 */
type Relation = "independent" | "inSync" | "nearlyInSync" | "mixed";

interface Scenario {
  desired: SpecUserSettings;
  observed: UserSettings;
  ctx: DriftContext;
  relation: Relation;
}

/** `observed` as Describe returns it: with the domain's groups added to the profile's own when asked. */
function aggregate(settings: UserSettings, domainGroups: string[], add: boolean): UserSettings {
  if (!add || domainGroups.length === 0) return settings;
  return { ...settings, SecurityGroups: [...(settings.SecurityGroups ?? []), ...domainGroups] };
}

const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    desired: userSettingsArb(),
    other: userSettingsArb(),
    relation: fc.constantFrom<Relation>("independent", "inSync", "nearlyInSync", "mixed"),
    pick: fc.nat(),
    domainGroups: fc.subarray(GROUP_POOL, { maxLength: 2 }),
    addDomainGroups: fc.boolean(),
  })
  .map(({ desired, other, relation, pick, domainGroups, addDomainGroups }) => {
    const observedSpecForm = {
      independent: () => other,
      inSync: () => fillUndeclared("UserSettings", desired, other),
      nearlyInSync: () => fillUndeclared("UserSettings", driftOnce(desired, other, pick), other),
      mixed: () => fillUndeclared("UserSettings", other, desired),
    }[relation]();
    const wire = userSettingsToSageMaker(observedSpecForm as SpecUserSettings);
    return {
      desired,
      observed: aggregate(wire, domainGroups, addDomainGroups),
      ctx: { domainSecurityGroups: domainGroups },
      relation,
    };
  });

const driftOf = (desired: SpecUserSettings, observed: UserSettings | undefined, ctx: DriftContext = {}) =>
  computeDrift(spec(desired), NAME, described(observed), ctx);

/**
 * Every member the spec leaves out of a struct (recursively through structs) is sent as observed, unless the update
 * reports it dropped (a member group): then it is sent as its clearing value, or not at all.
 */
function expectUndeclaredKept(
  shapeName: string,
  observed: unknown,
  desired: unknown,
  sent: unknown,
  path: string,
  dropped: ReadonlyMap<string, string | undefined>,
): void {
  const k = kindOf(shapeName);
  if (k.kind !== "struct" || !isRecord(desired)) return;
  if (k.union && Object.keys(desired).length > 0) return;
  const obs = isRecord(observed) ? observed : {};
  const out = isRecord(sent) ? sent : {};
  for (const m of k.members) {
    const at = `${path}/${m.spec}`;
    if (desired[m.spec] !== undefined)
      expectUndeclaredKept(m.shape, obs[m.spec], desired[m.spec], out[m.spec], at, dropped);
    else if (dropped.has(at)) expect(out[m.spec], at).toEqual(dropped.get(at));
    else expect(out[m.spec], at).toEqual(obs[m.spec]);
  }
}

const NO_CONTEXT = { action: "update", arn: "", path: "" } as const;

/** The declared members of a group at a wire path of UserSettings, as a wire block. */
function declaredAt(desired: SpecUserSettings, g: MemberGroup, path: (string | number)[]): Record<string, unknown> {
  const block = path.reduce<unknown>(
    (v, seg) => (isRecord(v) ? v[specName(String(seg))] : Array.isArray(v) ? v[seg as number] : undefined),
    desired,
  );
  const rec = isRecord(block) ? block : {};
  return Object.fromEntries(g.members.filter((m) => rec[specName(m)] !== undefined).map((m) => [m, rec[specName(m)]]));
}

/** The block of `g` at a wire path of wire-form UserSettings (all its members), or {}. */
function blockAt(settings: UserSettings, path: (string | number)[]): Record<string, unknown> {
  const v = path.reduce<unknown>(
    (o, seg) => (isRecord(o) || Array.isArray(o) ? (o as never)[seg] : undefined),
    settings,
  );
  return isRecord(v) ? v : {};
}

/**
 * Places of `g` in `settings` that SageMaker (the emulator's checks) refuses, over the `before` profile, though the
 * spec alone is accepted there.
 */
function refusedBeyondSpec(
  g: MemberGroup,
  settings: UserSettings,
  before: UserSettings,
  desired: SpecUserSettings,
  within?: Set<string>,
) {
  return placesOf(g.shape, "UserSettings", settings)
    .filter((p) => !within || within.has(String(p.path[0])))
    .filter((p) => refusalOf(g, p.block, NO_CONTEXT, blockAt(before, p.path)) !== undefined)
    .filter((p) => g.refusal(declaredAt(desired, g, p.path), NO_CONTEXT, blockAt(before, p.path)) === undefined)
    .map((p) => `${g.id} at ${p.path.join(".") || "UserSettings"}: ${JSON.stringify(p.block)}`);
}

describe("drift properties", () => {
  // AWS does not document whether an update replaces each top-level block or merges nested members (emulator mode
  // updateSemantics): the request must leave zero drift under both.
  it.each(UPDATE_SEMANTICS)(
    "(1) applying the update request with SageMaker's merge rule (%s) always leaves zero drift",
    (semantics) => {
      fc.assert(
        fc.property(scenario, ({ desired, observed, ctx }) => {
          const r = driftOf(desired, observed, ctx);
          if (!r.drifted) {
            expect(r.updateRequest).toBeNull();
            return;
          }
          const sent = r.updateRequest?.UserSettings ?? {};
          // Only the drifted blocks are sent.
          expect(Object.keys(sent)).toEqual(r.blocks.map(wireName));
          const after = applyUserSettingsUpdate(semantics, observed, sent);
          const again = driftOf(desired, after, ctx);
          expect(again.changes).toEqual([]);
          expect(again.drifted).toBe(false);
          // Nothing the spec leaves out of a sent block is reset.
          const obs = observedSpec(observed) ?? {};
          const sentSpec = userSettingsFromSageMaker(sent) as Record<string, unknown>;
          const want = desired as Record<string, unknown>;
          const dropped = new Map(r.dropped.map((d) => [d.path, d.sent]));
          for (const m of userSettingsMembers())
            if (r.blocks.includes(m.spec))
              expectUndeclaredKept(
                m.shape,
                obs[m.spec],
                want[m.spec],
                sentSpec[m.spec],
                `/userSettings/${m.spec}`,
                dropped,
              );
        }),
        RUNS,
      );
    },
  );

  it("(2) permuting the lists SageMaker returns never creates or changes drift", () => {
    fc.assert(
      fc.property(scenario, fc.integer(), ({ desired, observed, ctx, relation }, seed) => {
        const r = driftOf(desired, observed, ctx);
        const shuffled = driftOf(desired, shuffleLists(observed, seed) as UserSettings, ctx);
        expect(shuffled.drifted).toBe(r.drifted);
        if (relation === "inSync") expect(shuffled.drifted).toBe(false);
        // With distinct keys on both sides (not so when mixing), even the drifted fields are the same.
        if (relation === "independent" || relation === "inSync") expect(shuffled.fields).toEqual(r.fields);
      }),
      RUNS,
    );
  });

  it("(3) fields the spec does not declare never drift, nor do the domain's security groups", () => {
    fc.assert(
      fc.property(
        userSettingsArb(),
        userSettingsArb(),
        fc.subarray(GROUP_POOL, { maxLength: 3 }),
        (desired, extra, domainGroups) => {
          const observed = userSettingsToSageMaker(fillUndeclared("UserSettings", desired, extra) as SpecUserSettings);
          const withDomain = aggregate(observed, domainGroups, desired.securityGroups !== undefined);
          const r = driftOf(desired, withDomain, { domainSecurityGroups: domainGroups });
          expect(r.changes).toEqual([]);
          expect(r.drifted).toBe(false);
        },
      ),
      RUNS,
    );
  });

  it("(4) a profile built from the spec is never drifted", () => {
    fc.assert(
      fc.property(userSettingsArb(), (desired) => {
        const r = driftOf(desired, userSettingsToSageMaker(desired));
        // Only declared members SageMaker does not take in the declared combination are reported, as inert.
        expect({ ...r, dropped: r.dropped.filter((d) => d.declared === undefined) }).toEqual({
          drifted: false,
          patch: [],
          fields: [],
          changes: [],
          blocks: [],
          updateRequest: null,
          dropped: [],
        });
      }),
      RUNS,
    );
  });

  it.each(UPDATE_SEMANTICS)(
    "(6) the update never carries a combination of members SageMaker refuses, unless the spec itself declares it (%s)",
    (semantics) => {
      fc.assert(
        fc.property(scenario, ({ desired, observed, ctx }) => {
          const r = driftOf(desired, observed, ctx);
          const sent = r.updateRequest?.UserSettings ?? {};
          for (const g of MEMBER_GROUPS) expect(refusedBeyondSpec(g, sent, observed, desired)).toEqual([]);
          // Nor does the profile once SageMaker applied it, in the blocks it carries. (studio:: belongs to two blocks:
          // the request cannot leave out a stored one, only the spec can resolve it.)
          const after = applyUserSettingsUpdate(semantics, observed, sent);
          const carried = new Set(Object.keys(sent));
          for (const g of MEMBER_GROUPS.filter((g) => g.checksStored && g.shape !== "UserSettings"))
            expect(refusedBeyondSpec(g, after, observed, desired, carried)).toEqual([]);
          // A declared image change carries no version of the image it replaces, pinned or aliased.
          const before = observedSpec(observed) ?? {};
          for (const p of placesOf("ResourceSpec", "UserSettings", sent)) {
            const declared = declaredAt(desired, MEMBER_GROUPS[0] as MemberGroup, p.path);
            const seen = declaredAt(before as SpecUserSettings, MEMBER_GROUPS[0] as MemberGroup, p.path);
            if (declared.SageMakerImageArn === undefined || declared.SageMakerImageArn === seen.SageMakerImageArn)
              continue;
            expect(p.block.SageMakerImageVersionArn ?? "None").toBe(declared.SageMakerImageVersionArn ?? "None");
            expect(p.block.SageMakerImageVersionAlias).toBe(declared.SageMakerImageVersionAlias);
          }
          // Every member left out was observed and is not declared (or is a declared inert one), named by its group.
          for (const d of r.dropped) {
            expect(MEMBER_GROUPS.map((g) => g.id)).toContain(d.group);
            if (d.declared !== undefined) {
              expect(jsonpatch.getValueByPointer({ userSettings: desired }, d.path)).toEqual(d.declared);
              continue;
            }
            expect(d.observed).not.toBeUndefined();
            expect(jsonpatch.getValueByPointer({ userSettings: desired }, d.path)).toBeUndefined();
          }
        }),
        RUNS,
      );
    },
  );

  it("(5) the patch points into the spec, applies to the observed declared fields and yields a profile in sync", () => {
    fc.assert(
      fc.property(scenario, ({ desired, observed, ctx }) => {
        const r = driftOf(desired, observed, ctx);
        expect(r.drifted).toBe(r.patch.length > 0);
        expect(r.fields).toEqual([...new Set(r.changes.map((c) => c.path))].sort());
        expect(r.blocks).toEqual(
          userSettingsMembers()
            .map((m) => m.spec)
            .filter((b) => r.fields.some((f) => f.split("/")[2] === b)),
        );
        const declaredDoc = { userSettings: desired };
        for (const path of [...r.fields, ...r.patch.map((o) => o.path)])
          expect(jsonpatch.getValueByPointer(declaredDoc, path), path).not.toBeUndefined();

        const view = compare("UserSettings", desired, observedSpec(observed), ["userSettings"], ctx).view;
        const doc = view === undefined ? {} : { userSettings: view };
        const patched = jsonpatch.applyPatch(doc, r.patch, true, false).newDocument as {
          userSettings?: SpecUserSettings;
        };
        const after = userSettingsToSageMaker(patched.userSettings ?? {});
        expect(driftOf(desired, after).drifted).toBe(false);
      }),
      RUNS,
    );
  });
});
