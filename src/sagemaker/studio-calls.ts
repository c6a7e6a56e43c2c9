/**
 * The app and space calls (deletion cleanup and DeleteBlocked), each one through the gateway's limited `call`: the
 * same limiter, accounting and error classification as every other SageMaker call.
 */
import {
  DeleteAppCommand,
  DeleteSpaceCommand,
  ListAppsCommand,
  ListSpacesCommand,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import type { AppDetails, AppType, SpaceDetails } from "../api/generated/sagemaker-shapes.js";
import type { CallKind } from "./limiter.js";

export type AppOwner = { userProfileName: string } | { spaceName: string };
/** An app as DeleteApp names it: of a user profile or of a space. */
export type AppRef = { domainId: string; appType: AppType; appName: string } & AppOwner;

/** The gateway's client and its limited call. */
export interface Send {
  client(): SageMakerClient;
  call<T>(op: string, kind: CallKind, send: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

const PAGE_SIZE = 100;
/** The SDK's and the generated model's shapes are the same JSON (dates as Date). */
const sameJson = <T>(value: unknown) => value as T;

export async function listApps(
  s: Send,
  domainId: string,
  owner: AppOwner,
  signal?: AbortSignal,
): Promise<AppDetails[]> {
  const filter =
    "spaceName" in owner ? { SpaceNameEquals: owner.spaceName } : { UserProfileNameEquals: owner.userProfileName };
  const apps: AppDetails[] = [];
  let token: string | undefined;
  do {
    const input = { DomainIdEquals: domainId, ...filter, MaxResults: PAGE_SIZE, NextToken: token };
    const page = await s.call("ListApps", "read", () => s.client().send(new ListAppsCommand(input)), signal);
    apps.push(...sameJson<AppDetails[]>(page.Apps ?? []));
    token = page.NextToken;
  } while (token);
  return apps;
}

export async function listSpaces(s: Send, domainId: string, signal?: AbortSignal): Promise<SpaceDetails[]> {
  const spaces: SpaceDetails[] = [];
  let token: string | undefined;
  do {
    const input = { DomainIdEquals: domainId, MaxResults: PAGE_SIZE, NextToken: token };
    const page = await s.call("ListSpaces", "read", () => s.client().send(new ListSpacesCommand(input)), signal);
    spaces.push(...sameJson<SpaceDetails[]>(page.Spaces ?? []));
    token = page.NextToken;
  } while (token);
  return spaces;
}

export async function deleteApp(s: Send, app: AppRef, signal?: AbortSignal): Promise<void> {
  const owner = "spaceName" in app ? { SpaceName: app.spaceName } : { UserProfileName: app.userProfileName };
  const input = { DomainId: app.domainId, AppType: app.appType, AppName: app.appName, ...owner };
  await s.call("DeleteApp", "mutating", () => s.client().send(new DeleteAppCommand(input)), signal);
}

export async function deleteSpace(s: Send, domainId: string, spaceName: string, signal?: AbortSignal): Promise<void> {
  const input = { DomainId: domainId, SpaceName: spaceName };
  await s.call("DeleteSpace", "mutating", () => s.client().send(new DeleteSpaceCommand(input)), signal);
}
