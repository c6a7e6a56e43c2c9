import { describe, expect, it } from "vitest";
import { KeyedRecords } from "../../src/kube/keyed-records.js";

describe("KeyedRecords (one record per resource, one slot per part)", () => {
  it("each slot reads and writes like a Map of its own over one record per key", () => {
    const records = new KeyedRecords();
    const flaps = records.slot<number>();
    const owners = records.slot<string>();
    flaps.set("ns/a", 1);
    owners.set("ns/a", "arn-a");
    owners.set("ns/b", "arn-b");
    expect([flaps.get("ns/a"), owners.get("ns/a"), flaps.get("ns/b"), owners.get("ns/b")]).toEqual([
      1,
      "arn-a",
      undefined,
      "arn-b",
    ]);
    expect([flaps.size, owners.size, records.size]).toEqual([1, 2, 2]);
    expect([...owners.keys()]).toEqual(["ns/a", "ns/b"]);
    expect([...owners.values()]).toEqual(["arn-a", "arn-b"]);
    expect(flaps.has("ns/b")).toBe(false);
    owners.set("ns/a", "arn-a2");
    expect([owners.get("ns/a"), owners.size]).toEqual(["arn-a2", 2]);
  });

  it("a key goes when no slot holds anything for it, and not before", () => {
    const records = new KeyedRecords();
    const flaps = records.slot<number>();
    const owners = records.slot<string>();
    flaps.set("ns/a", 1);
    owners.set("ns/a", "arn-a");
    expect(flaps.delete("ns/a")).toBe(true);
    expect(flaps.delete("ns/a")).toBe(false);
    expect([records.size, owners.get("ns/a")]).toEqual([1, "arn-a"]);
    owners.set("ns/a", undefined as unknown as string); // undefined is no value
    expect([records.size, owners.size, owners.has("ns/a")]).toEqual([0, 0, false]);
  });

  it("clear() empties one slot and leaves the others", () => {
    const records = new KeyedRecords();
    const allowed = records.slot<number>();
    const seen = records.slot<number>();
    for (const k of ["ns/a", "ns/b", "ns/c"]) allowed.set(k, 1);
    seen.set("ns/b", 2);
    allowed.clear();
    expect([allowed.size, seen.size, records.size, seen.get("ns/b")]).toEqual([0, 1, 1, 2]);
  });
});
