/**
 * A profile whose ARN names an account or region is never handled with an identity of another one: the status ARN of
 * a spoke's profile once its SageMakerAccount is gone (the decision falls back to the operator's own identity), and
 * the ARN of a create whose status write was lost. The world's SageMaker has the domain, so any create would succeed.
 */
import { expect } from "vitest";
import { FINALIZER } from "../../src/api/types.js";
import { DOMAIN, POLL, type Row, resource, STALLED, type World } from "./world.js";

const HUB = "123456789012";
const SPOKE_ID = "111111111111";
const SPOKE_ARN = `arn:aws:sagemaker:us-east-1:${SPOKE_ID}:user-profile/${DOMAIN}/alice`;
const SPOKE = { account: "spoke", accountId: SPOKE_ID, region: "us-east-1" };

/** A profile created in the spoke, InSync there; every SageMakerAccount has been deleted since. */
const pinnedToSpoke = (w: World) => {
  const r = resource({}, { finalizers: [FINALIZER] });
  w.apply({ ...r, status: { userProfileArn: SPOKE_ARN, userProfileName: "alice" } });
};

const nothingInTheHub = (w: World) => {
  expect(w.sagemaker.profile(DOMAIN, "alice")).toBeUndefined();
  expect([w.confirms, w.absentAsked]).toEqual([0, 0]);
};

export const rows: Row[] = [
  {
    name: "pinned: a spoke's profile with no SageMakerAccount left is Stalled PinnedAccountNotFound, no call with the operator's own identity",
    given: pinnedToSpoke,
    calls: [],
    events: ["Warning PinnedAccountNotFound"],
    status: [
      "Stalled",
      "PinnedAccountNotFound",
      new RegExp(
        `^the profile exists as ${SPOKE_ARN}, in account ${SPOKE_ID}, and no SageMakerAccount declares that account: the operator's own identity \\(account ${HUB}\\) is not used for it`,
      ),
    ],
    action: { requeueAfter: STALLED },
    check: (w) => {
      nothingInTheHub(w);
      expect(w.ownAsked).toBe(1);
    },
  },
  {
    name: "pinned: deleting a spoke's profile with no SageMakerAccount left deletes nothing and keeps the finalizer",
    given: (w) => {
      pinnedToSpoke(w);
      w.sagemaker.putProfile(DOMAIN, "alice"); // the hub's profile of the same name, which must not be touched
      w.delete();
    },
    calls: [],
    events: ["Warning PinnedAccountNotFound"],
    status: ["Stalled", "PinnedAccountNotFound"],
    action: { requeueAfter: STALLED },
    check: (w) => {
      expect(w.sagemaker.profile(DOMAIN, "alice")).toBeDefined();
      expect(w.get()?.metadata.finalizers).toEqual([FINALIZER]);
    },
  },
  {
    name: "pinned: the operator's own account unknown (GetCallerIdentity failed): AccountPending, no call, asked again soon",
    given: (w) => {
      w.own = { unknown: "GetCallerIdentity failed: TimeoutError: socket hang up" };
      pinnedToSpoke(w);
    },
    calls: [],
    status: [
      "Progressing",
      "AccountPending",
      /the operator's own account is not known yet \(GetCallerIdentity failed: TimeoutError: socket hang up\)/,
    ],
    action: { requeueAfter: POLL },
    check: nothingInTheHub,
  },
  {
    name: "pinned: a profile of the operator's own account in a region it does not serve: RegionNotAllowed, no call",
    given: (w) => {
      w.own = { accountId: SPOKE_ID, region: "eu-west-1" };
      pinnedToSpoke(w);
    },
    calls: [],
    events: ["Warning RegionNotAllowed"],
    status: ["Stalled", "RegionNotAllowed", /in region us-east-1, and no SageMakerAccount lists it/],
    action: { requeueAfter: STALLED },
    check: nothingInTheHub,
  },
  {
    name: "pinned: the create's ARN the lost status write did not carry pins the profile when an account now routes it elsewhere",
    given: async (w) => {
      w.kube.failNextStatusWrite = new Error("etcdserver: request timed out");
      w.apply(resource());
      await w.reconcile(); // created with the operator's own identity; its status write failed
      expect(w.get()?.status?.userProfileArn).toBeUndefined();
      w.account = { ok: true, target: SPOKE }; // the first SageMakerAccount, default, arrives
    },
    calls: [],
    events: ["Warning AccountMismatch"],
    status: [
      "Stalled",
      "AccountMismatch",
      new RegExp(`^the profile exists as arn:aws:sagemaker:us-east-1:${HUB}:user-profile/${DOMAIN}/alice, but`),
    ],
    action: { requeueAfter: STALLED },
  },
];
