/**
 * The I/O around the planner: `observe` performs the reads the planner asks for until it has a plan; `execute` performs
 * a plan's finalizer change, SageMaker calls and events, in order. Both are thin: every decision is the planner's.
 */
import { profileName, type SageMakerUserProfile } from "../api/types.js";
import type { StudioInventory } from "./cleanup.js";
import type { FlapState } from "./flap-guard.js";
import type { Need, Observation, Plan, Read, SageMakerCall } from "./plan-types.js";
import type { KubePort, SageMakerPort, SageMakerReader } from "./ports.js";

/** Performs one read the planner asked for. */
export async function read(
  sagemaker: SageMakerReader,
  resource: SageMakerUserProfile,
  need: Read,
  observed: Observation,
  signal?: AbortSignal,
): Promise<Observation> {
  const { domainId } = resource.spec;
  switch (need) {
    case "domainExists":
      return { ...observed, domainExists: await sagemaker.domainExists(domainId, signal) };
    case "profile": {
      return { ...observed, profile: await sagemaker.describeUserProfile(domainId, profileName(resource), signal) };
    }
    case "tags": {
      const arn = observed.profile?.UserProfileArn;
      if (!arn) throw new Error("the planner asked for tags before a profile with an ARN was described");
      return { ...observed, tags: await sagemaker.listTags(arn, signal) };
    }
    case "domainSecurityGroups":
      return { ...observed, domainSecurityGroups: await sagemaker.domainSecurityGroups(domainId, signal) };
    case "studio":
      return { ...observed, studio: await readStudio(sagemaker, domainId, profileName(resource), signal) };
  }
}

/**
 * The profile's apps (ListApps UserProfileNameEquals) and the spaces it owns (ListSpaces has no owner filter:
 * OwnershipSettingsSummary), with the apps of its private spaces (ListApps SpaceNameEquals).
 */
export async function readStudio(
  sagemaker: Pick<SageMakerReader, "listApps" | "listSpaces">,
  domainId: string,
  name: string,
  signal?: AbortSignal,
): Promise<StudioInventory> {
  const apps = await sagemaker.listApps(domainId, { userProfileName: name }, signal);
  const owned = (await sagemaker.listSpaces(domainId, signal)).filter(
    (s) => s.OwnershipSettingsSummary?.OwnerUserProfileName?.toLowerCase() === name.toLowerCase(),
  );
  const ownedSpaces: StudioInventory["ownedSpaces"] = [];
  for (const space of owned)
    ownedSpaces.push({
      space,
      apps:
        space.SpaceSharingSettingsSummary?.SharingType === "Private" && space.SpaceName !== undefined
          ? await sagemaker.listApps(domainId, { spaceName: space.SpaceName }, signal)
          : [],
    });
  return { apps, ownedSpaces };
}

export interface ObserveOptions {
  signal?: AbortSignal;
  /** Called before each read with what the planner asked (the reconciler adds the finalizer there). */
  beforeRead?(need: Need): Promise<void>;
  /** Sees every observation after a read. */
  onRead?(need: Read, observed: Observation): void;
}

/** Reads until the planner has a plan. */
export async function observe(
  sagemaker: SageMakerReader,
  resource: SageMakerUserProfile,
  start: Observation,
  planner: (observed: Observation) => Plan | Need,
  options: ObserveOptions = {},
): Promise<{ plan: Plan; observed: Observation }> {
  let observed = start;
  // Each read answers one question, and the planner never asks the same one twice: a handful of rounds at most.
  for (let round = 0; round < 8; round++) {
    const next = planner(observed);
    if (!("need" in next)) return { plan: next, observed };
    if (observed[next.need] !== undefined) throw new Error(`the planner asked again for ${next.need}`);
    await options.beforeRead?.(next);
    observed = await read(sagemaker, resource, next.need, observed, options.signal);
    options.onRead?.(next.need, observed);
  }
  throw new Error("the planner did not settle on a plan");
}

export interface ExecuteOptions {
  sagemaker: SageMakerPort;
  kube: KubePort;
  signal?: AbortSignal;
  /** The finalizer was already added in this reconcile (before the first read). */
  finalizerAdded?: boolean;
  /** The flap guard's state from a `flap` step on. */
  onFlap?(state: FlapState): void;
}

/** What execution learnt: CreateUserProfile's answer. */
export interface Executed {
  createdArn?: string;
}

/** Performs the plan; the first failure stops it (and is thrown): later steps depend on the earlier ones. */
export async function execute(resource: SageMakerUserProfile, plan: Plan, o: ExecuteOptions): Promise<Executed> {
  const done: Executed = {};
  if (plan.finalizer === "add" && !o.finalizerAdded) await o.kube.addFinalizer(resource);
  for (const step of plan.steps) {
    if ("call" in step) {
      const answer = await call(o.sagemaker, step.call, o.signal);
      if (step.call.op === "CreateUserProfile")
        done.createdArn = (answer as { UserProfileArn?: string }).UserProfileArn;
    } else if ("event" in step) o.kube.event(resource, step.event.type, step.event.reason, step.event.note);
    else o.onFlap?.(step.flap);
  }
  if (plan.finalizer === "remove") await o.kube.removeFinalizer(resource);
  return done;
}

function call(sagemaker: SageMakerPort, c: SageMakerCall, signal?: AbortSignal): Promise<unknown> {
  switch (c.op) {
    case "CreateUserProfile":
      return sagemaker.createUserProfile(c.request, signal);
    case "UpdateUserProfile":
      return sagemaker.updateUserProfile(c.request, signal);
    case "DeleteUserProfile":
      return sagemaker.deleteUserProfile(c.domainId, c.userProfileName, signal);
    case "AddTags":
      return sagemaker.addTags(c.arn, c.tags, signal);
    case "DeleteTags":
      return sagemaker.deleteTags(c.arn, c.keys, signal);
    case "DeleteApp":
      return sagemaker.deleteApp(c.app, signal);
    case "DeleteSpace":
      return sagemaker.deleteSpace(c.domainId, c.spaceName, signal);
  }
}
