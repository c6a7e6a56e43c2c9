/** ListUserProfiles paging, sorting and filtering, as the operator's resync reads it. */
import {
  CreateUserProfileCommand,
  DeleteUserProfileCommand,
  ListUserProfilesCommand,
  type ListUserProfilesCommandInput,
  paginateListUserProfiles,
  type SageMakerClient,
  UpdateUserProfileCommand,
  type UserProfileDetails,
} from "@aws-sdk/client-sagemaker";
import type { SageMakerEmulator } from "@sagemaker-profile-operator/local-stack/sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOMAIN, emulatorWithDomain, manualClock, rejection } from "./helpers.js";

const OTHER = "d-other0000001";
const COUNT = 250;
const name = (i: number) => `user-${String(i).padStart(3, "0")}`;

let emu: SageMakerEmulator;
let sm: SageMakerClient;
const clock = manualClock();

beforeAll(async () => {
  ({ emu, sm } = await emulatorWithDomain({ now: clock.now }));
  emu.admin.createDomain({ domainId: OTHER });
  for (let i = 0; i < COUNT; i++) {
    clock.advance(1_000);
    await sm.send(new CreateUserProfileCommand({ DomainId: DOMAIN, UserProfileName: name(i) }));
  }
  for (let i = 0; i < 3; i++) {
    clock.advance(1_000);
    await sm.send(new CreateUserProfileCommand({ DomainId: OTHER, UserProfileName: `other-${i}` }));
  }
  // Modify in an order unlike creation: 200, 100, 0 become the three most recently modified.
  for (const i of [200, 100, 0]) {
    clock.advance(1_000);
    await sm.send(
      new UpdateUserProfileCommand({
        DomainId: DOMAIN,
        UserProfileName: name(i),
        UserSettings: { StudioWebPortal: "DISABLED" },
      }),
    );
  }
});
afterAll(() => emu.close());

async function all(input: ListUserProfilesCommandInput): Promise<{ items: UserProfileDetails[]; pages: number[] }> {
  const items: UserProfileDetails[] = [];
  const pages: number[] = [];
  let NextToken = input.NextToken;
  do {
    const page = await sm.send(new ListUserProfilesCommand({ ...input, NextToken }));
    pages.push(page.UserProfiles?.length ?? 0);
    items.push(...(page.UserProfiles ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return { items, pages };
}

const names = (items: UserProfileDetails[]) => items.map((p) => p.UserProfileName);
const creationOrder = Array.from({ length: COUNT }, (_, i) => name(i));

describe("ListUserProfiles", () => {
  it("pages 250 profiles by 100 in creation order (the default sort, ascending)", async () => {
    const { items, pages } = await all({ DomainIdEquals: DOMAIN, MaxResults: 100 });
    expect(pages).toEqual([100, 100, 50]);
    expect(names(items)).toEqual(creationOrder);
    expect(items.every((p) => p.DomainId === DOMAIN && p.Status === "InService")).toBe(true);
  });

  it("pages by 7 and returns no NextToken on the last page", async () => {
    const { items, pages } = await all({ DomainIdEquals: DOMAIN, MaxResults: 7 });
    expect(pages).toHaveLength(Math.ceil(COUNT / 7));
    expect(pages.at(-1)).toBe(COUNT % 7);
    expect(names(items)).toEqual(creationOrder);
  });

  it("defaults to 10 a page", async () => {
    const first = await sm.send(new ListUserProfilesCommand({ DomainIdEquals: DOMAIN }));
    expect(first.UserProfiles).toHaveLength(10);
    expect(first.NextToken).toBeDefined();
  });

  it("sorts by CreationTime descending", async () => {
    const { items } = await all({
      DomainIdEquals: DOMAIN,
      MaxResults: 100,
      SortBy: "CreationTime",
      SortOrder: "Descending",
    });
    expect(names(items)).toEqual([...creationOrder].reverse());
  });

  it("sorts by LastModifiedTime both ways", async () => {
    const modifiedOrder = [
      ...creationOrder.filter((n) => ![name(200), name(100), name(0)].includes(n)),
      name(200),
      name(100),
      name(0),
    ];
    const asc = await all({ DomainIdEquals: DOMAIN, MaxResults: 100, SortBy: "LastModifiedTime" });
    expect(names(asc.items)).toEqual(modifiedOrder);
    const times = asc.items.map((p) => p.LastModifiedTime?.getTime() ?? 0);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const desc = await all({
      DomainIdEquals: DOMAIN,
      MaxResults: 7,
      SortBy: "LastModifiedTime",
      SortOrder: "Descending",
    });
    expect(names(desc.items)).toEqual([...modifiedOrder].reverse());
  });

  it("lists every domain without DomainIdEquals, and filters by name", async () => {
    const { items } = await all({ MaxResults: 100 });
    expect(items).toHaveLength(COUNT + 3);
    const filtered = await all({ UserProfileNameContains: "user-24", MaxResults: 3 });
    expect(names(filtered.items)).toEqual(Array.from({ length: 10 }, (_, i) => name(240 + i)));
    expect(filtered.pages).toEqual([3, 3, 3, 1]);
    expect(names((await all({ DomainIdEquals: OTHER })).items)).toEqual(["other-0", "other-1", "other-2"]);
  });

  it("works with the SDK's paginator", async () => {
    const seen: string[] = [];
    for await (const page of paginateListUserProfiles({ client: sm, pageSize: 100 }, { DomainIdEquals: DOMAIN }))
      seen.push(...names(page.UserProfiles ?? []).map(String));
    expect(seen).toEqual(creationOrder);
  });

  it("refuses MaxResults outside 1..100 and a token that does not continue the query", async () => {
    const big = await rejection(sm.send(new ListUserProfilesCommand({ MaxResults: 101 })));
    expect(big.name).toBe("ValidationException");
    expect(big.message).toContain(
      "at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100",
    );
    const first = await sm.send(new ListUserProfilesCommand({ MaxResults: 5 }));
    const mixed = await rejection(
      sm.send(new ListUserProfilesCommand({ MaxResults: 5, SortOrder: "Descending", NextToken: first.NextToken })),
    );
    expect(mixed.name).toBe("ValidationException");
    expect((await rejection(sm.send(new ListUserProfilesCommand({ NextToken: "garbage" })))).name).toBe(
      "ValidationException",
    );
  });

  it("keeps a cursor valid across deletions and creations between pages", async () => {
    const first = await sm.send(new ListUserProfilesCommand({ DomainIdEquals: OTHER, MaxResults: 1 }));
    expect(names(first.UserProfiles ?? [])).toEqual(["other-0"]);
    await sm.send(new DeleteUserProfileCommand({ DomainId: OTHER, UserProfileName: "other-1" }));
    clock.advance(1_000);
    await sm.send(new CreateUserProfileCommand({ DomainId: OTHER, UserProfileName: "other-3" }));
    const rest = await all({ DomainIdEquals: OTHER, MaxResults: 1, NextToken: first.NextToken });
    expect(names(rest.items)).toEqual(["other-2", "other-3"]);
  });
});

describe("ListUserProfiles at scale", () => {
  it("pages through 10,000 profiles, with updates in between, without losing or repeating any", async () => {
    const big = await emulatorWithDomain();
    try {
      for (let i = 0; i < 10_000; i++) big.emu.admin.createProfile(DOMAIN, `p${i}`);
      const seen = new Set<string>();
      let NextToken: string | undefined;
      let pages = 0;
      do {
        const page = await big.sm.send(new ListUserProfilesCommand({ MaxResults: 100, NextToken }));
        for (const p of page.UserProfiles ?? []) seen.add(p.UserProfileName ?? "");
        // Updates move profiles in LastModifiedTime order, not in CreationTime order.
        await big.sm.send(
          new UpdateUserProfileCommand({
            DomainId: DOMAIN,
            UserProfileName: `p${pages}`,
            UserSettings: { StudioWebPortal: "DISABLED" },
          }),
        );
        NextToken = page.NextToken;
        pages++;
      } while (NextToken);
      expect(pages).toBe(100);
      expect(seen.size).toBe(10_000);
    } finally {
      await big.emu.close();
    }
  });
});
