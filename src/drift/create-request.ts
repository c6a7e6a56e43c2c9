/** The CreateUserProfile request for a resource: its immutable identity, its settings and tags, and the owner tag. */

import type { CreateUserProfileRequest } from "../api/generated/sagemaker-shapes.js";
import { tagsToSageMaker, userSettingsToSageMaker } from "../api/mapping.js";
import { isReservedTagKey, OWNER_TAG, type SageMakerUserProfileSpec, type SpecUserSettings } from "../api/types.js";
import { clean } from "./normalize.js";
import { withoutInert } from "./update-request.js";

export function buildCreateRequest(
  spec: SageMakerUserProfileSpec,
  profileName: string,
  ownerTag: string,
): CreateUserProfileRequest {
  const declared = clean("UserSettings", spec.userSettings) as Record<string, unknown> | undefined;
  // Members SageMaker does not take in the declared combination are not sent (as on update).
  const settings = declared && (withoutInert(declared).desired as SpecUserSettings);
  // The owner tag is the operator's: a spec tag with the same key would make the request carry the key twice.
  const tags = (spec.tags ?? []).filter((t) => !isReservedTagKey(t.key));
  return {
    DomainId: spec.domainId,
    UserProfileName: profileName,
    ...(spec.singleSignOnUserIdentifier !== undefined && {
      SingleSignOnUserIdentifier: spec.singleSignOnUserIdentifier,
    }),
    ...(spec.singleSignOnUserValue !== undefined && { SingleSignOnUserValue: spec.singleSignOnUserValue }),
    ...(settings !== undefined && { UserSettings: userSettingsToSageMaker(settings) }),
    Tags: [...tagsToSageMaker(tags), { Key: OWNER_TAG, Value: ownerTag }],
  };
}
