export { accountCrd } from "./crd.js";
export {
  type AccountDecision,
  type AccountInput,
  type AccountReason,
  type AccountState,
  isAccountId,
  type OwnIdentity,
  parseArn,
  resolveAccount,
  type Target,
} from "./resolve.js";
export * from "./types.js";
