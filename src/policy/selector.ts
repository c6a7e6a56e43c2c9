/** metav1.LabelSelector matching, as the API server does it (matchLabels and matchExpressions are ANDed). */
import type { LabelSelector } from "./types.js";

export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  // The schema guarantees the shapes; junk (an older CRD, a test) selects nothing rather than throwing.
  const { matchLabels = {}, matchExpressions = [] } = selector;
  if (typeof matchLabels !== "object" || matchLabels === null || !Array.isArray(matchExpressions)) return false;
  for (const [k, v] of Object.entries(matchLabels)) if (labels[k] !== v) return false;
  for (const r of matchExpressions) {
    if (typeof r !== "object" || r === null) return false;
    const has = Object.hasOwn(labels, r.key);
    const values = Array.isArray(r.values) ? r.values : [];
    switch (r.operator) {
      case "In":
        if (!has || !values.includes(labels[r.key] as string)) return false;
        break;
      case "NotIn":
        if (has && values.includes(labels[r.key] as string)) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        // An operator the schema should have refused: select nothing rather than everything.
        return false;
    }
  }
  return true;
}
