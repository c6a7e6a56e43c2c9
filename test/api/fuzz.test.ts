/**
 * Fuzzing the input paths: the CLI's YAML manifest parsing and validation, the `diff` reader of observed profiles, and
 * the drift engine fed with whatever a Describe may return. None may throw anything but its documented error type
 * (validateManifestText: none, problems are values; parseObserved: DiffInputError; computeDrift: none), or hang.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { DescribeUserProfileResponse } from "../../src/api/generated/sagemaker-shapes.js";
import type { SageMakerUserProfile } from "../../src/api/types.js";
import { validateManifestText } from "../../src/api/validation.js";
import { DiffInputError, parseObserved } from "../../src/cli/commands/diff.js";
import { computeDrift } from "../../src/drift/index.js";
import { userSettingsArb } from "../drift/arbitraries.js";

const BUDGET_MS = 3_000;
const timed = <T>(f: () => T): T => {
  const started = performance.now();
  const out = f();
  expect(performance.now() - started, "took too long: a hang in the making").toBeLessThan(BUDGET_MS);
  return out;
};

const VALID = `apiVersion: sagemaker.gitops.io/v1alpha1
kind: SageMakerUserProfile
metadata:
  name: alice
  namespace: team-a
spec:
  domainId: d-demo00000001
  userSettings:
    executionRole: arn:aws:iam::123456789012:role/x
`;

/** YAML's syntax in pieces, so random streams exercise anchors, aliases, tags, flows, merges and documents. */
const yamlToken = fc.constantFrom(
  "{",
  "}",
  "[",
  "]",
  ", ",
  ": ",
  "- ",
  "? ",
  "\n",
  "  ",
  "\t",
  "---\n",
  "...\n",
  "&a ",
  "*a",
  "&b ",
  "*b",
  "<<: ",
  "!!binary ",
  "!!python/object ",
  "!custom ",
  "|\n",
  ">-\n",
  '"',
  "'",
  "#",
  "%YAML 1.1\n",
  "spec",
  "domainId",
  "userSettings",
  "securityGroups",
  "apiVersion: sagemaker.gitops.io/v1alpha1",
  "kind: SageMakerUserProfile",
  "yes",
  "0o17",
  "1e400",
  "~",
  "null",
  "\u202e",
  "\u200b",
  "\u0000",
  "\ufeff",
);

describe("validateManifestText (the CLI's validate and diff read path)", () => {
  // Compiling a CRD's schema on first use is a one-off cost, not a hang in the making: pay it before timing.
  beforeAll(() => validateManifestText(VALID, "warm.yaml"));
  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 2000 }), (text) => {
        const r = timed(() => validateManifestText(text, "fuzz.yaml"));
        expect(Array.isArray(r.problems)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("never throws on random YAML token streams (anchors, aliases, tags, merges, flows, documents)", () => {
    fc.assert(
      fc.property(fc.array(yamlToken, { maxLength: 300 }), (tokens) => {
        timed(() => validateManifestText(tokens.join(""), "fuzz.yaml"));
      }),
      { numRuns: 1000 },
    );
  });

  it("never throws on a valid manifest with random values grafted anywhere, and reports each as a problem or accepts it", () => {
    const graft = fc.record({
      at: fc.constantFrom("spec", "spec.userSettings", "metadata", "spec.userSettings.jupyterServerAppSettings", ""),
      key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("__proto__", "constructor", "domainId", "tags")),
      value: fc.anything({ withNullPrototype: true, withBigInt: false, maxDepth: 4 }),
    });
    fc.assert(
      fc.property(fc.array(graft, { maxLength: 4 }), (grafts) => {
        const doc = JSON.parse(
          JSON.stringify({
            apiVersion: "sagemaker.gitops.io/v1alpha1",
            kind: "SageMakerUserProfile",
            metadata: { name: "alice", namespace: "team-a" },
            spec: { domainId: "d-demo00000001", userSettings: { executionRole: "arn:aws:iam::123456789012:role/x" } },
          }),
        );
        for (const g of grafts) {
          let node = doc;
          for (const k of g.at ? g.at.split(".") : []) {
            if (!node || typeof node !== "object") break;
            node[k] ??= {};
            node = node[k];
          }
          // defineProperty, so a "__proto__" key is an own key, as in a parsed document.
          try {
            if (node && typeof node === "object")
              Object.defineProperty(node, g.key, {
                value: g.value,
                enumerable: true,
                configurable: true,
                writable: true,
              });
          } catch {
            // a frozen value fast-check grafted earlier: skip this graft
          }
        }
        let text: string;
        try {
          text = stringify(doc);
        } catch {
          return; // a value YAML cannot write (a symbol): nothing to feed
        }
        timed(() => validateManifestText(text, "fuzz.yaml"));
      }),
      { numRuns: 500 },
    );
  });

  it("stays fast on a valid manifest (the baseline the budget is measured against)", () => {
    expect(timed(() => validateManifestText(VALID, "valid.yaml")).problems).toEqual([]);
  });
});

describe("parseObserved (diff --observed)", () => {
  it("throws only DiffInputError, on any JSON text or not", () => {
    const jsonish = fc.oneof(
      fc.string({ maxLength: 500 }),
      fc.json({ maxDepth: 4 }),
      fc
        .record(
          {
            UserProfileName: fc.anything(),
            DomainId: fc.anything(),
            CreationTime: fc.anything(),
            LastModifiedTime: fc.anything(),
            UserSettings: fc.anything({ maxDepth: 3 }),
            Status: fc.anything(),
          },
          { requiredKeys: [] },
        )
        .map((o) => JSON.stringify(o) ?? "null"),
    );
    fc.assert(
      fc.property(jsonish, (text) => {
        try {
          timed(() => parseObserved(text, "observed.json"));
        } catch (err) {
          expect(err, String(err)).toBeInstanceOf(DiffInputError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("computeDrift on whatever Describe returns", () => {
  /** A Describe answer whose UserSettings blocks hold junk where structures, lists and strings belong. */
  const junkUserSettings = fc.dictionary(
    fc.constantFrom(
      "ExecutionRole",
      "SecurityGroups",
      "SharingSettings",
      "JupyterServerAppSettings",
      "KernelGatewayAppSettings",
      "CanvasAppSettings",
      "CustomPosixUserConfig",
      "CustomFileSystemConfigs",
      "StudioWebPortalSettings",
      "JupyterLabAppSettings",
      "SpaceStorageSettings",
      "UnknownNewMember",
    ),
    fc.anything({ maxDepth: 3 }),
  );

  it("never throws, for any declared spec against any observed settings", () => {
    fc.assert(
      fc.property(
        userSettingsArb(),
        junkUserSettings,
        fc.array(fc.anything(), { maxLength: 3 }),
        (desired, us, groups) => {
          const resource: Pick<SageMakerUserProfile, "spec"> = {
            spec: { domainId: "d-demo00000001", userSettings: desired },
          };
          const observed = {
            DomainId: "d-demo00000001",
            UserProfileName: "alice",
            Status: "InService",
            UserSettings: us,
          } as unknown as DescribeUserProfileResponse;
          timed(() => computeDrift(resource.spec, "alice", observed, { domainSecurityGroups: groups as string[] }));
        },
      ),
      { numRuns: 500 },
    );
  });
});
