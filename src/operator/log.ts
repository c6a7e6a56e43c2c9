/**
 * The operator's logger: pino, JSON one line per event, with secrets scrubbed on the way out. Redaction by path alone
 * misses secrets inside strings (an SDK error message quoting a header, a kubeconfig in an error), so every log call's
 * object, bindings and message go through `scrub`: values under secret-named keys are replaced, and credential-shaped
 * substrings (AWS access key IDs, 40-character secret keys, session tokens, JWTs, Authorization values, SigV4
 * signatures) are masked wherever they appear.
 */
import { type DestinationStream, type Logger, pino } from "pino";
import { RE2JS } from "re2js";
import { errorMessage } from "../kube/index.js";

export const REDACTED = "[REDACTED]";

/** Keys whose values are secret whatever they hold (compared lower-cased, `-` and `_` ignored). */
const SECRET_KEYS = new Set(
  [
    "authorization",
    "proxyauthorization",
    "cookie",
    "setcookie",
    "xamzsecuritytoken",
    "secretaccesskey",
    "awssecretaccesskey",
    "sessiontoken",
    "awssessiontoken",
    "token",
    "accesstoken",
    "bearertoken",
    "idtoken",
    "refreshtoken",
    "password",
    "clientkeydata",
    "clientkey",
    "credentials",
  ].map((k) => k.replace(/[-_]/g, "")),
);
const isSecretKey = (k: string) => SECRET_KEYS.has(k.toLowerCase().replace(/[-_]/g, ""));
/** `"key":"value"` pairs with a secret key, in a serialized line (child bindings are serialized before formatters). */
const SECRET_PAIR = /"([A-Za-z_-]+)":"((?:[^"\\]|\\.)*)"/g;

const B64 = "A-Za-z0-9/+=";
const SUBSTITUTIONS: Array<[RegExp, string | ((m: string, ...groups: string[]) => string)]> = [
  // SigV4 Authorization header parts (the access key in Credential= is caught below as well).
  [/(Signature=)[0-9a-f]{64}/g, `$1${REDACTED}`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  // AWS access key IDs: long-term (AKIA) and temporary (ASIA), and the other IAM unique-ID prefixes.
  [/\b(?:AKIA|ASIA|AIDA|AROA|AGPA|ANPA|ANVA|AIPA|ABIA|ACCA)[A-Z0-9]{16}\b/g, REDACTED],
  // Session tokens and other long base64 blobs.
  [new RegExp(`[${B64}]{100,}`, "g"), REDACTED],
  // Secret access keys: exactly 40 characters of [A-Za-z0-9/+] standing alone (`KEY=` before one is fine), with
  // digits and both cases, so a 40-character path or name is not mistaken for one.
  [
    /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/g,
    (m: string) => (/\d/.test(m) && /[a-z]/.test(m) && /[A-Z]/.test(m) ? REDACTED : m),
  ],
];

/**
 * JWTs (Kubernetes ServiceAccount tokens, OIDC tokens), matched by RE2 (linear time): as a backtracking RegExp this
 * pattern is quadratic on a long line of `eyJ`-prefixed runs without dots, and log lines can quote anything.
 */
const JWT = RE2JS.compile("\\beyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*");

export function scrubString(s: string): string {
  let out = s.includes("eyJ") ? JWT.matcher(s).replaceAll(REDACTED) : s;
  for (const [re, replacement] of SUBSTITUTIONS) out = out.replace(re, replacement as string);
  return out;
}

/** A copy of `value` with secrets masked; Errors become pino's serialized form first. Cycles and depth are bounded. */
export function scrub(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === "string") return scrubString(value);
  if (typeof value !== "object" || value === null) return value;
  if (depth > 12 || seen.has(value)) return "[...]";
  seen.add(value);
  const v = value instanceof Error ? pino.stdSerializers.err(value) : value;
  if (Array.isArray(v)) return v.map((x) => scrub(x, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = isSecretKey(k) ? REDACTED : scrub(x, depth + 1, seen);
  return out;
}

export interface LoggerOptions {
  level: string;
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions, destination?: DestinationStream): Logger {
  return pino(
    {
      level: options.level,
      base: options.base,
      formatters: {
        log: (obj) => scrub(obj) as Record<string, unknown>,
      },
      hooks: {
        // The finished line: catches the message and child bindings, which pino serializes without the formatter.
        streamWrite: (line) =>
          scrubString(line).replace(SECRET_PAIR, (pair, key: string) =>
            isSecretKey(key) ? `"${key}":"${REDACTED}"` : pair,
          ),
      },
    },
    destination ?? pino.destination(1),
  );
}

/** Name, code and the short message: client-node's own message embeds the response headers and body. */
export function errorSummary(err: unknown): Record<string, unknown> {
  if (err && typeof err === "object") {
    const e = err as { name?: string; code?: unknown };
    return { name: e.name, message: errorMessage(err), code: e.code };
  }
  return { message: String(err) };
}
