/** Small builders for drift tests: a spec and a DescribeUserProfile response around some UserSettings. */
import type { DescribeUserProfileResponse, UserSettings } from "../../src/api/generated/sagemaker-shapes.js";
import type { SageMakerUserProfileSpec, SpecUserSettings } from "../../src/api/types.js";

export const DOMAIN = "d-test00000001";
export const NAME = "alice";

export const spec = (userSettings?: SpecUserSettings): SageMakerUserProfileSpec => ({
  domainId: DOMAIN,
  ...(userSettings !== undefined && { userSettings }),
});

export const described = (UserSettings?: UserSettings): DescribeUserProfileResponse => ({
  DomainId: DOMAIN,
  UserProfileName: NAME,
  UserProfileArn: `arn:aws:sagemaker:us-east-1:123456789012:user-profile/${DOMAIN}/${NAME}`,
  Status: "InService",
  HomeEfsFileSystemUid: "200001",
  ...(UserSettings !== undefined && { UserSettings }),
});

export const ROLE = "arn:aws:iam::123456789012:role/Studio";
export const lcc = (n: string) => `arn:aws:sagemaker:us-east-1:123456789012:studio-lifecycle-config/${n}`;
export const IMAGE_ARN = "arn:aws:sagemaker:us-east-1:081325390199:image/sagemaker-distribution-cpu";
export const SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonSageMaker-sf-abc123";
