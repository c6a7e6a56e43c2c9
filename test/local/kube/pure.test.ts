/** The pure pieces: selectors, JSONPath, patches, Go's HumanDuration, version ordering, protobuf decoding. */

import { KubeError } from "@sagemaker-profile-operator/local-stack/kube/errors";
import { evaluateJsonPath, parseJsonPath } from "@sagemaker-profile-operator/local-stack/kube/jsonpath";
import { compareKubeVersions, humanDuration } from "@sagemaker-profile-operator/local-stack/kube/meta";
import { applyJsonPatch, mergePatch, strategicMergePatch } from "@sagemaker-profile-operator/local-stack/kube/patch";
import { decodeProtobufObject } from "@sagemaker-profile-operator/local-stack/kube/protobuf";
import {
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from "@sagemaker-profile-operator/local-stack/kube/selectors";
import { describe, expect, it } from "vitest";

describe("label selectors", () => {
  const labels = { team: "data", tier: "gold", n: "7" };
  const cases: Array<[string, boolean]> = [
    ["", true],
    ["team=data", true],
    ["team==data", true],
    ["team!=data", false],
    ["team in (ml, data)", true],
    ["team notin (ml,data)", false],
    ["missing notin (x)", true],
    ["tier", true],
    ["!tier", false],
    ["team=data,tier=silver", false],
    ["n>5", true],
    ["n<5", false],
    ["missing!=x", true],
  ];
  for (const [sel, want] of cases)
    it(`"${sel}" → ${want}`, () => expect(matchesLabels(parseLabelSelector(sel), labels)).toBe(want));

  it("refuses bad syntax with 400", () => {
    expect(() => parseLabelSelector("team in data")).toThrow(KubeError);
    expect(() => parseLabelSelector("=x")).toThrow(/unable to parse requirement/);
  });

  it("refuses what labels.NewRequirement refuses: a key that is no qualified name, a value that is no label value, an empty set, a Gt/Lt value that is no integer", () => {
    const refusal = (sel: string) => {
      try {
        parseLabelSelector(sel);
      } catch (err) {
        return { code: (err as KubeError).code, message: (err as Error).message };
      }
      throw new Error(`${sel} was accepted`);
    };
    expect(refusal("app=foo/bar")).toEqual({
      code: 400,
      message:
        "unable to parse requirement: values[0][app]: Invalid value: \"foo/bar\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    });
    expect(refusal(`app=${"v".repeat(64)}`).message).toContain("must be no more than 63 bytes");
    expect(refusal("a/b/c").message).toMatch(
      /^unable to parse requirement: key: Invalid value: "a\/b\/c": a valid label key/,
    );
    expect(refusal("-app in (x)").message).toContain('key: Invalid value: "-app": name part must consist of');
    expect(refusal("app in ()").message).toBe(
      "unable to parse requirement: values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty",
    );
    expect(refusal("n>abc").message).toBe(
      "unable to parse requirement: values[0]: Invalid value: \"abc\": for 'Gt', 'Lt' operators, the value must be an integer",
    );
    // Two faults are one aggregate, in NewRequirement's order.
    expect(refusal("-k=a/b").message).toMatch(
      /^unable to parse requirement: \[key: Invalid value: "-k": .*, values\[0\]\[-k\]: Invalid value: "a\/b": /,
    );
    // What stays valid: an empty value, a prefixed key, integers for Gt/Lt.
    expect(parseLabelSelector("example.com/app=,team in (a,b),n>5,n<9223372036854775807")).toHaveLength(4);
    expect(refusal("n<9223372036854775808").message).toContain("the value must be an integer");
  });

  it("field selectors accept only the supported field labels", () => {
    expect(
      parseFieldSelector("metadata.name=a,metadata.namespace!=b", new Set(["metadata.name", "metadata.namespace"])),
    ).toEqual([
      { field: "metadata.name", op: "=", value: "a" },
      { field: "metadata.namespace", op: "!=", value: "b" },
    ]);
    expect(() => parseFieldSelector("spec.x=1", new Set(["metadata.name"]))).toThrow(
      "field label not supported: spec.x",
    );
  });
});

describe("JSONPath for printer columns", () => {
  const obj = {
    spec: { domainId: "d-1", list: [1, 2, 3] },
    status: {
      conditions: [
        { type: "Synced", status: "False" },
        { type: "Ready", status: "True" },
      ],
      drift: { count: 0 },
    },
    metadata: { annotations: { "a.b/c": "x" } },
  };
  const first = (p: string) => evaluateJsonPath(parseJsonPath(p), obj)[0];
  it("reads fields, indexes, filters and quoted keys", () => {
    expect(first(".spec.domainId")).toBe("d-1");
    expect(first(".spec.list[1]")).toBe(2);
    expect(first(".spec.list[-1]")).toBe(3);
    expect(first('.status.conditions[?(@.type=="Ready")].status')).toBe("True");
    expect(first(".status.conditions[?(@.type=='Missing')].status")).toBeUndefined();
    expect(first(".status.drift.count")).toBe(0);
    expect(first("{.metadata.annotations['a.b/c']}")).toBe("x");
    expect(evaluateJsonPath(parseJsonPath(".status.conditions[*].type"), obj)).toEqual(["Synced", "Ready"]);
    expect(first(".status.nothing.here")).toBeUndefined();
  });
});

describe("patches", () => {
  it("merge patch follows RFC 7386 (null deletes, lists replace)", () => {
    expect(mergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1, 2] }, { b: { c: null, e: 4 }, l: [3] })).toEqual({
      a: 1,
      b: { d: 3, e: 4 },
      l: [3],
    });
  });

  it("strategic merge patch honours kubectl's directives", () => {
    expect(
      strategicMergePatch(
        { spec: { a: 1, b: 2, list: ["x", "y", "z"] }, meta: { k: "v" } },
        {
          spec: { b: null, "$setElementOrder/list": ["x"], "$deleteFromPrimitiveList/list": ["y"] },
          meta: { $patch: "replace", n: "m" },
        },
      ),
    ).toEqual({ spec: { a: 1, list: ["x", "z"] }, meta: { n: "m" } });
    expect(strategicMergePatch({ a: { b: 1 }, c: 1 }, { a: { $patch: "delete" } })).toEqual({ c: 1 });
  });

  it("JSON patch applies ops and turns a failed test into a 422", () => {
    expect(applyJsonPatch({ m: { f: ["a", "b"] } }, [{ op: "remove", path: "/m/f/0" }])).toEqual({ m: { f: ["b"] } });
    try {
      applyJsonPatch({ m: { f: ["a"] } }, [{ op: "test", path: "/m/f/0", value: "z" }]);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(KubeError);
      expect((err as KubeError).code).toBe(422);
    }
  });
});

describe("small formats", () => {
  it("humanDuration matches Go's duration.HumanDuration", () => {
    const s = 1000;
    expect(humanDuration(5 * s)).toBe("5s");
    expect(humanDuration(119 * s)).toBe("119s");
    expect(humanDuration(125 * s)).toBe("2m5s");
    expect(humanDuration(600 * s)).toBe("10m");
    expect(humanDuration(3 * 3600 * s + 5 * 60 * s)).toBe("3h5m");
    expect(humanDuration(30 * 3600 * s)).toBe("30h");
    expect(humanDuration(3 * 86400 * s)).toBe("3d");
    expect(humanDuration(400 * 86400 * s)).toBe("400d");
    expect(humanDuration(-5 * s)).toBe("<invalid>");
  });

  it("orders Kubernetes versions GA > beta > alpha", () => {
    expect(["v1alpha1", "v1", "v2beta1", "v1beta2", "v2"].sort(compareKubeVersions)).toEqual([
      "v2",
      "v1",
      "v2beta1",
      "v1beta2",
      "v1alpha1",
    ]);
  });

  it("decodes a protobuf Namespace as kubectl sends it", () => {
    // k8s\0 + Unknown{typeMeta{apiVersion:"v1",kind:"Namespace"}, raw: Namespace{metadata{name:"team-a", labels{a:b}}}}
    const str = (field: number, s: string | Buffer) => {
      const b = typeof s === "string" ? Buffer.from(s) : s;
      return Buffer.concat([Buffer.from([(field << 3) | 2, b.length]), b]);
    };
    const meta = Buffer.concat([str(1, "team-a"), str(11, Buffer.concat([str(1, "a"), str(2, "b")]))]);
    const raw = str(1, meta);
    const typeMeta = Buffer.concat([str(1, "v1"), str(2, "Namespace")]);
    const body = Buffer.concat([Buffer.from("k8s\0", "binary"), str(1, typeMeta), str(2, raw)]);
    expect(decodeProtobufObject(body)).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "team-a", labels: { a: "b" } },
    });
  });
});
