/**
 * What `diff` and `diff --live` share: exit codes, the input error, and drift as text (both commands import this; neither
 * imports the other).
 */
import type { SageMakerUserProfile } from "../api/types.js";
import { type DriftResult, formatChange } from "../drift/index.js";
import { type Palette, renderChange, renderDropped } from "./output.js";

export const EXIT_NO_DRIFT = 0;
export const EXIT_ERROR = 1;
export const EXIT_DRIFT = 2;

/** A problem with the command's inputs: reported on stderr, exit 1. */
export class DiffInputError extends Error {}

/** Whether the update is sent: by default unless Observe; `diff --live` says what the operator's plan does. */
export interface UpdateVerdict {
  sent: boolean;
  /** Why it is not sent, when the operator would not write (ownership, guardrails, a stall). */
  why?: string;
}

/** The drift of one profile: one line per change, a summary, and the UpdateUserProfile request (sent or not). */
export function renderDrift(
  resource: SageMakerUserProfile,
  name: string,
  result: DriftResult,
  colour: Palette,
  update: UpdateVerdict = { sent: resource.spec.managementPolicy !== "Observe" },
): string[] {
  const key = `${resource.metadata.namespace ? `${resource.metadata.namespace}/` : ""}${resource.metadata.name}`;
  const subject = `${key} (profile ${name} in ${resource.spec.domainId})`;
  if (!result.drifted) return [colour.green(`No drift: ${subject} matches the manifest.`)];
  const lines = [colour.bold(`Drift: ${subject}`)];
  for (const change of result.changes) {
    for (const line of renderChange(change, formatChange)) {
      const paint = line.startsWith("+") ? colour.green : line.startsWith("-") ? colour.red : colour.yellow;
      lines.push(paint(line));
    }
  }
  const s = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  lines.push(
    colour.bold(
      `${s(result.changes.length, "field")} drifted in ${s(result.blocks.length, "block")}: ${result.blocks.join(", ")}`,
    ),
  );
  if (resource.spec.managementPolicy === "Observe")
    lines.push("managementPolicy is Observe: the operator reports this drift and changes nothing.");
  if (result.updateRequest) {
    if (update.why) lines.push(`The operator would not write: ${update.why}`);
    lines.push(update.sent ? "UpdateUserProfile would send:" : "UpdateUserProfile (not sent):");
    lines.push(
      ...JSON.stringify(result.updateRequest, null, 2)
        .split("\n")
        .map((l) => colour.dim(l)),
    );
    if (result.dropped.length > 0) {
      lines.push("Observed members left out, because SageMaker checks them together with the declared ones:");
      for (const d of result.dropped) lines.push(colour.yellow(`  ${renderDropped(d)}`));
    }
  } else {
    lines.push("No UpdateUserProfile call is needed for this drift.");
  }
  return lines;
}
