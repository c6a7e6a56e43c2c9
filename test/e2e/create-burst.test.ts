/**
 * A folder of new users applied at once: 40 new resources while the operator may send 10 creates a second (4 s of
 * creates). The first profiles must report Ready while most creates are still to be sent: the Describe that sees a
 * created profile InService does not wait in the work queue behind the creates still queued (docs/architecture.md,
 * the queue's two lanes).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GROUP, PLURAL, type SageMakerUserProfile, VERSION } from "../../src/api/types.js";
import { sleep, waitFor } from "../support/wait.js";
import { DEMO_DOMAIN, type E2E, isReady, startE2E } from "./harness.js";

const N = 40;
const CREATES_PER_SECOND = 10;
const ROLE = "arn:aws:iam::123456789012:role/SageMakerStudio-TeamA";
const names = Array.from({ length: N }, (_, i) => `new-user-${String(i).padStart(2, "0")}`);

let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E({
    operator: (c) => {
      c.aws = { ...c.aws, mutatingRps: CREATES_PER_SECOND, mutatingBurst: 1 };
    },
  });
  await e2e.stack.ensureNamespaces(["team-a"]);
});
afterAll(async () => {
  await e2e?.close();
});

describe("many new resources applied at once", () => {
  it("the first profiles are Ready while most creates are still to be sent, and each profile is created once", async () => {
    e2e.sagemaker.resetCalls();
    // When the first resource was seen Ready (a LIST every 50 ms: never earlier than its status write).
    let firstReadyAt: number | undefined;
    let watching = true;
    const watch = (async () => {
      while (watching && firstReadyAt === undefined) {
        const list = (await e2e.api.listNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
          namespace: "team-a",
        })) as { items: SageMakerUserProfile[] };
        if (list.items.some((o) => isReady(o))) firstReadyAt = Date.now();
        await sleep(50);
      }
    })();
    await Promise.all(
      names.map((name) => e2e.create("team-a", name, { domainId: DEMO_DOMAIN, userSettings: { executionRole: ROLE } })),
    );
    await waitFor(
      `all ${N} Ready`,
      async () => (await Promise.all(names.map((n) => e2e.get("team-a", n)))).every((o) => isReady(o)),
      60_000,
    );
    watching = false;
    await watch;

    const creates = e2e.sagemaker.mutations("CreateUserProfile");
    expect(creates.map((c) => c.request.UserProfileName).sort()).toEqual(names);
    // Creates are paced at 10 a second; a Describe queued behind them would come after all N were handed to workers.
    const sentBefore = creates.filter((c) => c.at < (firstReadyAt as number)).length;
    expect(firstReadyAt).toBeDefined();
    expect(sentBefore).toBeLessThan(N / 2);
  });
});
