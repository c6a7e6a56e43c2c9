/** Flag parsers more than one command uses. */
import { isAccountId } from "../accounts/index.js";

/** `--aws-account-id`: 12 digits, as an ARN and GetCallerIdentity spell an account. */
export const awsAccountId = (v: string): string => {
  if (!isAccountId(v)) throw new Error(`--aws-account-id must be an AWS account id (12 digits), got "${v}"`);
  return v;
};
