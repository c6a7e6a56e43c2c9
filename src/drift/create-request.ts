/** The CreateUserProfile request for a resource: its immutable identity, its settings and tags, and the owner tag. */

import type { CreateUserProfileRequest } from "../api/generated/sagemaker-shapes.js";
import { tagsToSageMaker, userSettingsToSageMaker } from "../api/mapping.js";
import { OWNER_TAG, type SageMakerUserProfileSpec, type SpecUserSettings } from "../api/types.js";
import { clean } from "./normalize.js";

export function buildCreateRequest(
  spec: SageMakerUserProfileSpec,
  profileName: string,
  ownerTag: string,
): CreateUserProfileRequest {
  const settings = clean("UserSettings", spec.userSettings) as SpecUserSettings | undefined;
  // The owner tag is the operator's: a spec tag with the same key would make the request carry the key twice.
  const tags = (spec.tags ?? []).filter((t) => t.key !== OWNER_TAG);
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
