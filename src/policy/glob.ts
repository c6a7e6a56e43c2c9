/**
 * Glob matching for policy patterns: `*` matches any run of characters (also `/` and `:`, so one `*` can span an
 * ARN's path), `?` exactly one; everything else is literal. Greedy two-pointer matching: O(n·m) at worst, no RegExp,
 * so a hostile pattern or value cannot make it backtrack exponentially.
 */
export function globMatch(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let mark = 0;
  while (v < value.length) {
    const c = pattern[p];
    if (c !== undefined && (c === "?" || (c !== "*" && c === value[v]))) {
      p++;
      v++;
    } else if (c === "*") {
      star = p++;
      mark = v;
    } else if (star >= 0) {
      p = star + 1;
      v = ++mark;
    } else return false;
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}
