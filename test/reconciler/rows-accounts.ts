/**
 * The account decision around a create: the operator's own identity only once the API server confirms no
 * SageMakerAccount exists, and a decision that changed while the reconcile read is made again before any create.
 */
import { expect } from "vitest";
import { driftedRole, POLL, type Row, resource } from "./world.js";

const PENDING = "SageMakerAccount alpha exists, and the operator's account cache has not received it yet";
const SPOKE = { account: "spoke", accountId: "111111111111", region: "us-east-1" };

export const rows: Row[] = [
  {
    name: "accounts: a new profile is created with the operator's own identity once the API server has no account",
    given: (w) => w.apply(resource()),
    calls: ["DescribeUserProfile", "CreateUserProfile"],
    events: ["Normal Created"],
    status: ["Progressing", "Creating"],
    action: { requeueAfter: POLL },
    finalizer: ["add"],
    check: (w) => expect([w.confirms, w.absentAsked]).toEqual([1, 1]),
  },
  {
    name: "accounts: AccountPending, no call, when the API server has an account the account cache has not received",
    given: (w) => {
      w.confirmed = { ok: "unknown", message: PENDING };
      w.apply(resource());
    },
    calls: [],
    status: ["Progressing", "AccountPending", new RegExp(`^${PENDING}$`)],
    action: { requeueAfter: POLL },
    // Nor is the List resync asked: a domain's first List would be made with the operator's own identity.
    check: (w) => expect(w.absentAsked).toBe(0),
  },
  {
    name: "accounts: a profile that exists is not confirmed again (its ARN pins it)",
    given: async (w) => {
      await w.inSync();
      w.confirms = 0;
      driftedRole(w);
    },
    calls: ["DescribeUserProfile", "ListTags", "UpdateUserProfile"],
    events: ["Normal Updated"],
    status: ["Progressing", "Updating"],
    action: { requeueAfter: POLL },
    check: (w) => expect(w.confirms).toBe(0),
  },
  {
    name: "accounts: a target's account is not confirmed (the account cache has it)",
    given: (w) => {
      w.account = { ok: true, target: SPOKE };
      w.apply(resource());
    },
    calls: ["DescribeUserProfile", "CreateUserProfile"],
    events: ["Normal Created"],
    status: ["Progressing", "Creating"],
    action: { requeueAfter: POLL },
    finalizer: ["add"],
    check: (w) => expect(w.confirms).toBe(0),
  },
  {
    name: "accounts: the decision changed while the reconcile read: no create, no status, decided again at once",
    given: (w) => {
      w.account = { ok: true, target: SPOKE };
      w.accountNext = { ok: false, reason: "AccountNotReady", message: "SageMakerAccount spoke is not ready" };
      w.apply(resource());
    },
    calls: ["DescribeUserProfile"],
    status: "none",
    action: { requeueAfter: 0 },
    finalizer: ["add"],
  },
  {
    name: "accounts: the first account arrived while a create with the operator's own identity read: no create",
    given: (w) => {
      w.confirmed = { ok: true };
      w.accountNext = { ok: true, target: SPOKE };
      w.apply(resource());
    },
    calls: ["DescribeUserProfile"],
    status: "none",
    action: { requeueAfter: 0 },
    finalizer: ["add"],
  },
];
