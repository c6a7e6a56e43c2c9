/** Byte-counted cuts: what the recorder sends fits the API server's UTF-8 limits and never splits a character. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { truncateUtf8, utf8Prefix } from "../../src/kube/utf8.js";

const bytes = (s: string) => Buffer.byteLength(s, "utf8");
/** No lone surrogate: encoding and decoding gives the string back. */
const wellFormed = (s: string) => Buffer.from(s, "utf8").toString("utf8") === s;

describe("truncateUtf8", () => {
  it("keeps a string that fits, counting bytes rather than characters", () => {
    expect(truncateUtf8("é".repeat(512), 1024, "...")).toBe("é".repeat(512));
    // 513 characters, 1026 bytes: over the limit although far under 1024 characters
    const cut = truncateUtf8("é".repeat(513), 1024, "...");
    expect(cut).toBe(`${"é".repeat(510)}...`);
    expect(bytes(cut)).toBe(1023);
  });

  it("never splits a surrogate pair", () => {
    const cut = truncateUtf8(`a${"😀".repeat(400)}`, 1024, "...");
    expect(cut).toBe(`a${"😀".repeat(255)}...`);
    expect(wellFormed(cut)).toBe(true);
  });

  it("fits any string within the limit, as a whole-character prefix plus the marker", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 600 }), fc.integer({ min: 3, max: 1200 }), (s, max) => {
        const cut = truncateUtf8(s, max, "...");
        expect(bytes(cut)).toBeLessThanOrEqual(max);
        if (cut === s) return;
        const prefix = cut.slice(0, -3);
        expect(s.startsWith(prefix)).toBe(true);
        expect(wellFormed(prefix)).toBe(true);
        // the longest such prefix: one more character would not fit
        const next = [...s.slice(prefix.length)][0] as string;
        expect(bytes(prefix + next)).toBeGreaterThan(max - 3);
      }),
    );
  });

  it("cuts without a marker when none is given", () => {
    expect(utf8Prefix("ab€", 4)).toBe("ab"); // € is 3 bytes
    expect(utf8Prefix("ab€", 5)).toBe("ab€");
  });
});
