/** Fault injection: fail the next matching requests with a chosen status, or answer 503 to everything for a while. */
import { type KubeError, statusForCode } from "./errors.js";

export interface FailMatch {
  /** A Kubernetes verb (get, list, watch, create, update, patch, delete, deletecollection) or an HTTP method. */
  verb?: string;
  /** Tested against the request path (without the query string). */
  path?: RegExp;
  status: number;
  /** How many matching requests fail; default 1. */
  count?: number;
}

interface Rule {
  verb?: string;
  path?: RegExp;
  status: number;
  remaining: number;
}

export class Faults {
  private rules: Rule[] = [];
  private unavailableUntil = 0;

  failNext(match: FailMatch): void {
    this.rules.push({
      verb: match.verb?.toLowerCase(),
      path: match.path,
      status: match.status,
      remaining: match.count ?? 1,
    });
  }

  setUnavailable(ms: number): void {
    this.unavailableUntil = ms > 0 ? Date.now() + ms : 0;
  }

  /** The error to answer this request with, if a fault applies (consumes one count of the first matching rule). */
  check(verb: string, method: string, path: string): KubeError | undefined {
    if (Date.now() < this.unavailableUntil)
      return statusForCode(503, "the server is currently unable to handle the request");
    const m = method.toLowerCase();
    const rule = this.rules.find(
      (r) => (r.verb === undefined || r.verb === verb || r.verb === m) && (r.path === undefined || r.path.test(path)),
    );
    if (!rule) return undefined;
    rule.remaining--;
    if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
    return statusForCode(rule.status);
  }
}
