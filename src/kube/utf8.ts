/** UTF-8 lengths and cuts: the API server counts Event limits in bytes (Go's `len`), not in JavaScript characters. */

/** Bytes of one code point in UTF-8 (a lone surrogate is sent as U+FFFD: 3 bytes). */
const codePointBytes = (cp: number): number => (cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4);

/** The longest prefix of `s` of at most `maxBytes` in UTF-8 that ends on a whole code point. */
export function utf8Prefix(s: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const ch of s) {
    bytes += codePointBytes(ch.codePointAt(0) as number);
    if (bytes > maxBytes) return s.slice(0, end);
    end += ch.length;
  }
  return s;
}

/** `s` if it fits in `maxBytes` of UTF-8; otherwise a whole-character prefix followed by `marker`, within `maxBytes`. */
export function truncateUtf8(s: string, maxBytes: number, marker = ""): string {
  if (Buffer.byteLength(s, "utf8") <= maxBytes) return s;
  return utf8Prefix(s, maxBytes - Buffer.byteLength(marker, "utf8")) + marker;
}
