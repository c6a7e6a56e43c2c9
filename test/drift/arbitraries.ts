/**
 * fast-check arbitraries for spec-form UserSettings, derived from the SageMaker model: random subsets of optional
 * members (required ones always present), valid enum values, lists, and keyed lists with distinct keys. Values come
 * from small pools so that independently drawn specs and profiles often agree, partly agree or collide.
 */
import fc from "fast-check";
import { shape, specName } from "../../src/api/model.js";
import type { SpecUserSettings } from "../../src/api/types.js";
import { isRecord, kindOf } from "../../src/drift/shapes.js";

/** The security groups both specs and domains draw from. */
export const GROUP_POOL = ["sg-a", "sg-b", "sg-c", "sg-d", "sg-e"];

const image = (n: string) => `arn:aws:sagemaker:us-east-1:123456789012:image/${n}`;
const version = (n: string, v: number) => `arn:aws:sagemaker:us-east-1:123456789012:image-version/${n}/${v}`;

/**
 * Realistic values where SageMaker checks members together (member-groups.ts), so that drawn specs and profiles pick
 * the same or another image, versions of either, and the landing URI that needs Studio.
 */
const VALUE_POOLS: Record<string, string[]> = {
  ImageArn: [image("a"), image("b")],
  ImageVersionArn: [version("a", 1), version("a", 2), version("b", 1)],
  ImageVersionAlias: ["1.0", "2.6"],
  LandingUri: ["studio::", "app:JupyterServer:"],
};

const cache = new Map<string, fc.Arbitrary<unknown>>();

export function specValue(shapeName: string): fc.Arbitrary<unknown> {
  let a = cache.get(shapeName);
  if (!a) {
    a = build(shapeName);
    cache.set(shapeName, a);
  }
  return a;
}

export const userSettingsArb = (): fc.Arbitrary<SpecUserSettings> =>
  specValue("UserSettings") as fc.Arbitrary<SpecUserSettings>;

function build(shapeName: string): fc.Arbitrary<unknown> {
  const s = shape(shapeName);
  switch (s.type) {
    case "string": {
      if (s.enum) {
        const all = s.enum;
        return fc.oneof(fc.constantFrom(...all.slice(0, 2)), fc.constantFrom(...all));
      }
      if (shapeName === "SecurityGroupId") return fc.constantFrom(...GROUP_POOL);
      const pool = VALUE_POOLS[shapeName];
      if (pool) return fc.constantFrom(...pool);
      return fc.constantFrom(`${shapeName}-1`, `${shapeName}-2`, `${shapeName}-3`);
    }
    case "integer":
    case "long": {
      const min = s.min ?? 0;
      return fc.integer({ min, max: Math.min(s.max ?? min + 3, min + 3) });
    }
    case "boolean":
      return fc.boolean();
    case "list": {
      const element = s.member?.shape ?? "";
      const maxLength = Math.min(s.max ?? 4, 4);
      const k = kindOf(shapeName);
      if (k.kind !== "keyed") return fc.array(specValue(element), { maxLength });
      // SageMaker keeps one element per key: draw distinct keys.
      return fc.uniqueArray(specValue(element), {
        maxLength: Math.min(maxLength, 3),
        selector: (e) =>
          JSON.stringify(k.keys.map((p) => p.reduce<unknown>((v, f) => (isRecord(v) ? v[f] : undefined), e))),
      });
    }
    case "structure": {
      const members = Object.entries(s.members ?? {}).map(([wire, ref]) => [specName(wire), ref.shape] as const);
      if (s.union) return fc.oneof(...members.map(([name, member]) => fc.record({ [name]: specValue(member) })));
      // Sparse: an optional member is declared one time in three, so specs range from tiny to large.
      const required = new Set((s.required ?? []).map(specName));
      const model = Object.fromEntries(
        members.map(([name, member]) => [
          name,
          required.has(name)
            ? specValue(member)
            : fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: specValue(member), weight: 1 }),
        ]),
      );
      return fc.record(model).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)));
    }
    default:
      return fc.constant(undefined);
  }
}

/**
 * `declared` with every place it leaves undeclared filled from `extra`: struct members it does not declare, and
 * the undeclared fields of its list elements (element i from extra's element i). Unions keep their chosen member.
 * The result equals `declared` on every declared field.
 */
export function fillUndeclared(shapeName: string, declared: unknown, extra: unknown): unknown {
  if (declared === undefined) return extra;
  const k = kindOf(shapeName);
  if (k.kind === "struct" && isRecord(declared)) {
    const out: Record<string, unknown> = {};
    const other = isRecord(extra) && !k.union ? extra : {};
    for (const m of k.members) {
      const v = fillUndeclared(m.shape, declared[m.spec], other[m.spec]);
      if (v !== undefined) out[m.spec] = v;
    }
    return out;
  }
  if (k.kind === "keyed" && Array.isArray(declared)) {
    const other = Array.isArray(extra) ? extra : [];
    return declared.map((d, i) => fillUndeclared(k.element, d, other[i]));
  }
  return declared;
}

/** A deterministic shuffle of every list in a (wire or spec) value, from a seed. */
export function shuffleLists(value: unknown, seed: number): unknown {
  let state = seed >>> 0;
  const next = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) {
      const out = v.map(walk);
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    }
    if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value);
}

type Path = (string | number)[];

/** Every path to a member or list element inside a JSON value. */
export function pathsIn(value: unknown, prefix: Path = []): Path[] {
  const children: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : isRecord(value)
      ? Object.entries(value)
      : [];
  return children.flatMap(([k, v]) => [[...prefix, k], ...pathsIn(v, [...prefix, k])]);
}

/** A copy of `value` with the value at `path` replaced (undefined removes the member or the list element). */
export function replaceAt(value: unknown, path: Path, replacement: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return replacement;
  if (Array.isArray(value) && typeof head === "number") {
    const out = [...value];
    const v = replaceAt(out[head], rest, replacement);
    if (v === undefined) out.splice(head, 1);
    else out[head] = v;
    return out;
  }
  if (isRecord(value) && typeof head === "string") {
    const out = { ...value };
    const v = replaceAt(out[head], rest, replacement);
    if (v === undefined) delete out[head];
    else out[head] = v;
    return out;
  }
  return value;
}

/** `declared` with one place (chosen by `pick`) taken from `other` instead: a profile that drifted a little. */
export function driftOnce(declared: unknown, other: unknown, pick: number): unknown {
  // Places inside list elements are rarer and the most intricate: weigh them more.
  const paths = pathsIn(declared).flatMap((p) => (p.some((seg) => typeof seg === "number") ? [p, p, p, p] : [p]));
  const path = paths[pick % Math.max(paths.length, 1)];
  if (!path) return declared;
  const theirs = path.reduce<unknown>(
    (v, seg) => (v === undefined ? undefined : (v as Record<string, unknown>)[seg]),
    other,
  );
  return replaceAt(declared, path, theirs);
}
