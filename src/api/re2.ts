/**
 * Regular expressions as the real servers see them. kube-apiserver compiles every CRD `pattern` with Go's `regexp`
 * (RE2: linear time, no look-around or back-references, repeat counts at most 1000) when the CRD is created
 * (apiextensions-apiserver pkg/apiserver/schema/validation.go) and matches values with it; SageMaker matches its
 * model's patterns against the whole value. re2js is RE2 with Go's syntax and semantics, so a pattern that passes
 * here passes there, and nothing can backtrack. Pure.
 */
import { RE2JS } from "re2js";

export interface PatternTest {
  test(s: string): boolean;
}

/** RE2's parse error for a pattern (Go's wording, e.g. "error parsing regexp: invalid repeat count: `{3,1016}`"). */
export function re2CompileError(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

const searchCache = new Map<string, PatternTest>();
/**
 * An unanchored test, as JSON Schema's `pattern` and Go's `MatchString` apply it (the CRD's patterns carry their own
 * `^...$`). Throws with RE2's message when the pattern does not compile.
 */
export function re2Search(pattern: string): PatternTest {
  const t = searchCache.get(pattern);
  if (!t) {
    const re = RE2JS.compile(pattern);
    // ajv keys its pattern cache by toString(): it must name the pattern, as a RegExp's does.
    const test: PatternTest & { toString(): string } = {
      test: (s) => re.matcher(s).find(),
      toString: () => `/${pattern}/`,
    };
    searchCache.set(pattern, test);
    return test;
  }
  return t;
}

const wholeCache = new Map<string, PatternTest>();
/** A whole-value test, as SageMaker applies its model's patterns. Throws when the pattern does not compile in RE2. */
export function re2WholeMatch(pattern: string): PatternTest {
  let t = wholeCache.get(pattern);
  if (!t) {
    const re = RE2JS.compile(pattern);
    t = { test: (s) => re.matches(s) };
    wholeCache.set(pattern, t);
  }
  return t;
}

/** ajv's `code.regExp` engine: patterns compiled and matched by RE2 instead of JavaScript's RegExp. */
export const re2RegExpEngine = Object.assign((pattern: string, _flags: string): PatternTest => re2Search(pattern), {
  code: "re2Search",
});

// ---------------------------------------------------------------------------------------------------------------
// Rewriting a model pattern RE2 refuses into an equivalent one it accepts.

/** Go's regexp/syntax maximum repeat count. */
export const RE2_MAX_REPEAT = 1000;

type Node =
  | { kind: "atom"; width: number } // a literal, class, escape or `.`: one character
  | { kind: "empty" } // an anchor or an empty group
  | { kind: "concat"; items: Node[] }
  | { kind: "alt"; options: Node[] }
  | { kind: "repeat"; body: Node; min: number; max: number | undefined; start: number; end: number };

/** A small parser for the regexp syntax of API models: enough to know each sub-expression's minimum width. */
function parse(p: string): Node {
  let i = 0;
  const alternation = (): Node => {
    const options = [concatenation()];
    while (p[i] === "|") {
      i++;
      options.push(concatenation());
    }
    return options.length === 1 ? (options[0] as Node) : { kind: "alt", options };
  };
  const concatenation = (): Node => {
    const items: Node[] = [];
    while (i < p.length && p[i] !== "|" && p[i] !== ")") items.push(quantified(atom()));
    return { kind: "concat", items };
  };
  const atom = (): Node => {
    const c = p[i];
    if (c === "(") {
      i++;
      const flags = /^\?[imsU-]*\)/.exec(p.slice(i));
      if (flags) {
        i += flags[0].length;
        return { kind: "empty" };
      }
      if (p[i] === "?") {
        // (?:...), (?i:...), (?P<name>...)
        const close = p.indexOf(":", i);
        const named = p.startsWith("?P<", i) || p.startsWith("?<", i);
        if (named) i = p.indexOf(">", i) + 1;
        else if (close > 0) i = close + 1;
        else throw new Error(`unsupported group at ${i}`);
      }
      const inner = alternation();
      if (p[i] !== ")") throw new Error(`missing ) at ${i}`);
      i++;
      return inner;
    }
    if (c === "[") {
      i++;
      if (p[i] === "^") i++;
      if (p[i] === "]") i++;
      while (i < p.length && p[i] !== "]")
        i += p[i] === "\\" ? (p[i + 1] === "p" || p[i + 1] === "P" ? escLen(i) : 2) : 1;
      i++;
      return { kind: "atom", width: 1 };
    }
    if (c === "\\") {
      const len = escLen(i);
      const letter = p[i + 1] ?? "";
      i += len;
      return "bBAzZ".includes(letter) ? { kind: "empty" } : { kind: "atom", width: 1 };
    }
    if (c === "^" || c === "$") {
      i++;
      return { kind: "empty" };
    }
    i++;
    return { kind: "atom", width: 1 };
  };
  const escLen = (at: number): number => {
    if ((p[at + 1] === "p" || p[at + 1] === "P") && p[at + 2] === "{") return p.indexOf("}", at) - at + 1;
    return 2;
  };
  const quantified = (body: Node): Node => {
    const start = i;
    let node = body;
    for (;;) {
      const c = p[i];
      let min: number;
      let max: number | undefined;
      if (c === "*" || c === "+" || c === "?") {
        i++;
        [min, max] = c === "*" ? [0, undefined] : c === "+" ? [1, undefined] : [0, 1];
      } else if (c === "{") {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
        if (!m) return node;
        i += m[0].length;
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === "" ? undefined : Number(m[3]);
      } else return node;
      if (p[i] === "?") i++; // lazy: same language
      node = { kind: "repeat", body: node, min, max, start, end: i };
    }
  };
  const root = alternation();
  if (i !== p.length) throw new Error(`unexpected ${p[i]} at ${i}`);
  return root;
}

function minWidth(n: Node): number {
  switch (n.kind) {
    case "atom":
      return n.width;
    case "empty":
      return 0;
    case "concat":
      return n.items.reduce((s, x) => s + minWidth(x), 0);
    case "alt":
      return Math.min(...n.options.map(minWidth));
    case "repeat":
      return n.min * minWidth(n.body);
  }
}

/** Counted repeats above RE2's limit, each with whether it sits on the pattern's top-level concatenation. */
function overLimitRepeats(
  n: Node,
  topLevel: boolean,
  out: Array<{ node: Extract<Node, { kind: "repeat" }>; topLevel: boolean }>,
) {
  if (n.kind === "concat") for (const x of n.items) overLimitRepeats(x, topLevel, out);
  else if (n.kind === "alt") for (const x of n.options) overLimitRepeats(x, false, out);
  else if (n.kind === "repeat") {
    if ((n.max ?? 0) > RE2_MAX_REPEAT || n.min > RE2_MAX_REPEAT) out.push({ node: n, topLevel });
    overLimitRepeats(n.body, false, out);
  }
}

/**
 * The pattern, unchanged when RE2 compiles it; otherwise an equivalent one RE2 compiles, for values of at most
 * `maxLength` characters matched whole. `X{m,n}` with n above 1000 becomes `X{m,}` when it is provably the same:
 * it sits on the pattern's top-level concatenation and every iteration of X takes at least w >= 1 characters, so a
 * value of at most maxLength characters holds at most (maxLength - the rest's minimum width) / w iterations, and
 * that is <= n. Throws when no such proof exists (the generator then fails rather than ship a pattern a real API
 * server refuses or a weaker one).
 */
export function re2Equivalent(pattern: string, maxLength: number | undefined): string {
  if (re2CompileError(pattern) === undefined) return pattern;
  const root = parse(pattern);
  const found: Array<{ node: Extract<Node, { kind: "repeat" }>; topLevel: boolean }> = [];
  overLimitRepeats(root, true, found);
  const total = minWidth(root);
  let out = pattern;
  // Rewrite from the end so earlier offsets stay valid.
  for (const { node, topLevel } of [...found].sort((a, b) => b.node.start - a.node.start)) {
    const w = minWidth(node.body);
    const rest = total - node.min * w;
    const why = `pattern ${JSON.stringify(pattern)}: cannot rewrite {${node.min},${node.max ?? ""}} for RE2`;
    if (node.min > RE2_MAX_REPEAT) throw new Error(`${why}: the minimum count is above ${RE2_MAX_REPEAT}`);
    if (!topLevel) throw new Error(`${why}: the repeat is nested in an alternation or another repeat`);
    if (w < 1) throw new Error(`${why}: an iteration can match the empty string`);
    if (maxLength === undefined) throw new Error(`${why}: the value has no maxLength to bound it`);
    const bound = Math.floor((maxLength - rest) / w);
    if (bound > (node.max ?? Number.POSITIVE_INFINITY))
      throw new Error(`${why}: maxLength ${maxLength} allows ${bound} iterations, more than ${node.max}`);
    const quantifier = pattern.slice(node.start, node.end);
    const lazy = quantifier.endsWith("?") ? "?" : "";
    out = `${out.slice(0, node.start)}{${node.min},}${lazy}${out.slice(node.end)}`;
  }
  const err = re2CompileError(out);
  if (err !== undefined) throw new Error(`pattern ${JSON.stringify(pattern)} rewritten to ${out}: ${err}`);
  return out;
}
