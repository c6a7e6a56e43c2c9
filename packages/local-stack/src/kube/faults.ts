/**
 * Fault injection: fail the next matching requests with a chosen status, answer 503 to everything for a while, or
 * deny a verb on a resource the way RBAC does (403 Forbidden) until the denial is lifted.
 */
import { forbidden, type KubeError, statusForCode } from "./errors.js";

/** An RBAC-style denial: `verb` on `resource` (plural, or `plural/subresource`) of `group` ("" = core). */
export interface Denial {
  /** Only this user (LocalKubeOptions.users); default: everyone. */
  user?: string;
  verb: string;
  group: string;
  resource: string;
}

/** The user the local API server names in its 403 messages (the chart's ServiceAccount in namespace ops). */
export const DENIED_USER = "system:serviceaccount:ops:sagemaker-profile-operator";

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
  private denials: Denial[] = [];

  /** Denies a verb until the returned function is called. */
  deny(denial: Denial): () => void {
    this.denials.push(denial);
    return () => {
      this.denials = this.denials.filter((d) => d !== denial);
    };
  }

  /** The 403 an RBAC authorizer would answer, in the API server's words, when a denial matches. */
  denied(
    user: string,
    verb: string,
    group: string,
    resource: string,
    namespace?: string,
    name?: string,
  ): KubeError | undefined {
    const match = (d: Denial) =>
      (d.user === undefined || d.user === user) && d.verb === verb && d.group === group && d.resource === resource;
    if (!this.denials.some(match)) return undefined;
    const [plural = resource] = resource.split("/");
    const what = `${group ? `${plural}.${group}` : plural}${name ? ` "${name}"` : ""}`;
    const scope = namespace ? ` in the namespace "${namespace}"` : " at the cluster scope";
    // apiserver responsewriters.ForbiddenStatusError → apierrors.NewForbidden (details name the group and resource).
    return forbidden(
      `${what} is forbidden: User "${user === "anonymous" ? DENIED_USER : user}" cannot ${verb} resource "${resource}" in API group "${group}"${scope}`,
      { name: name || undefined, group: group || undefined, kind: plural },
    );
  }

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
