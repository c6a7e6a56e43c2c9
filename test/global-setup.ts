import { ensureTools } from "../scripts/tools.js";

/** Runs once before the suite: real kubectl and helm binaries for the tests that drive them. */
export default function setup() {
  const { kubectl, helm } = ensureTools();
  process.env.KUBECTL = kubectl;
  process.env.HELM = helm;
}
