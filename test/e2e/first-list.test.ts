/**
 * New profiles in a domain the operator has never listed (an operator started on a backlog of new resources, a domain
 * getting its first resources): each costs CreateUserProfile and the Describe that sees it InService, with one
 * ListUserProfiles of the domain in front of them all instead of a Describe in front of every create.
 * The emulator settles creates at once (createMs 0) so that the Describe after a create always finds it InService:
 * what is counted here is what comes before the create.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../support/wait.js";
import { DEMO_DOMAIN, type E2E, isReady, startE2E } from "./harness.js";

const ROLE = "arn:aws:iam::123456789012:role/SageMakerStudio-TeamA";
const SECOND_DOMAIN = "d-second000001";
const N = 12;

let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E({
    startOperator: false,
    stack: { sagemaker: { delays: { createMs: 0, updateMs: 200, deleteMs: 200 } } },
  });
  await e2e.stack.ensureNamespaces(["team-a"]);
  e2e.sagemaker.admin.createDomain({ domainId: SECOND_DOMAIN });
});
afterAll(async () => {
  await e2e?.close();
});

const apply = (names: string[], domainId: string) =>
  Promise.all(names.map((name) => e2e.create("team-a", name, { domainId, userSettings: { executionRole: ROLE } })));

/** Every SageMaker call naming one of `names` (in order), by name, and the ListUserProfiles calls of `domainId`. */
function callsOf(names: string[], domainId: string) {
  const byName = new Map<string, string[]>(names.map((n) => [n, []]));
  const lists: number[] = [];
  for (const r of e2e.sagemaker.requests()) {
    if (r.op === "ListUserProfiles" && r.request.DomainIdEquals === domainId) lists.push(r.at);
    const name =
      r.request.UserProfileName ??
      String(r.request.ResourceArn ?? "")
        .split("/")
        .at(-1);
    if (typeof name === "string") byName.get(name)?.push(r.op);
  }
  return { byName: Object.fromEntries(byName), lists };
}

const ready = (names: string[]) =>
  waitFor(
    `all ${names.length} Ready`,
    async () => (await Promise.all(names.map((n) => e2e.get("team-a", n)))).every((o) => isReady(o)),
    60_000,
  );

describe("new profiles in a domain never listed", () => {
  it("a backlog at start-up: one List of the domain, then only Create and the Describe that sees it InService", async () => {
    const names = Array.from({ length: N }, (_, i) => `backlog-user-${i}`);
    await apply(names, DEMO_DOMAIN);
    e2e.sagemaker.resetCalls();
    await e2e.startOperator();
    await ready(names);
    const { byName, lists } = callsOf(names, DEMO_DOMAIN);
    for (const name of names) expect(byName[name], name).toEqual(["CreateUserProfile", "DescribeUserProfile"]);
    expect(lists).toHaveLength(1); // the domain is empty: one page
  });

  it("a domain getting its first resources while the operator runs: the same", async () => {
    const names = Array.from({ length: N }, (_, i) => `second-domain-user-${i}`);
    e2e.sagemaker.resetCalls();
    await apply(names, SECOND_DOMAIN);
    await ready(names);
    const { byName, lists } = callsOf(names, SECOND_DOMAIN);
    for (const name of names) expect(byName[name], name).toEqual(["CreateUserProfile", "DescribeUserProfile"]);
    expect(lists).toHaveLength(1);
  });
});
