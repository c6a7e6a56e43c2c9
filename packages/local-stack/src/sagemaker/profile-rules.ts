/**
 * What SageMaker checks about a profile beyond the model's shapes, and the modes where AWS does not document its
 * answer. Each rule's source is in docs/fidelity.md ("SageMaker: names, domains, security groups, busy profiles").
 */
import type { UserSettings } from "../../../../src/api/generated/sagemaker-shapes.js";
import { ApiError, invalid } from "./errors.js";
import type { EmulatorModes } from "./modes.js";

/** UserProfileName "is not case sensitive" (CreateUserProfile): one profile per lower-cased name, as its ARN says. */
export const canonicalProfileName = (name: string): string => name.toLowerCase();

/** The model's maximum for UserSettings.SecurityGroups. */
const MAX_SECURITY_GROUPS = 5;

/**
 * In a VpcOnly domain SageMaker adds a security group for NFS traffic from Studio, so a profile may name one fewer than
 * the model's maximum (UserSettings.SecurityGroups). Applied to what a Create or Update request carries.
 */
export function assertSecurityGroupsFit(appNetworkAccessType: string, settings: UserSettings | undefined): void {
  const groups = settings?.SecurityGroups;
  if (appNetworkAccessType !== "VpcOnly" || groups === undefined) return;
  const allowed = MAX_SECURITY_GROUPS - 1;
  if (groups.length > allowed)
    throw invalid(
      `${groups.length} security groups were specified, but a user profile in a VpcOnly domain may have at most ${allowed}: SageMaker adds a security group for NFS traffic from Studio to the ${MAX_SECURITY_GROUPS} allowed.`,
    );
}

/** The answer to a profile call naming a domain that does not exist (undocumented: a mode). */
export function missingDomain(modes: EmulatorModes, domainArn: string): ApiError {
  return new ApiError(modes.missingDomainError, `Domain does not exist: ${domainArn}`);
}
