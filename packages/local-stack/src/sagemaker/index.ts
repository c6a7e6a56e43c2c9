/**
 * A local SageMaker (user profiles, tags, enough of domains) speaking AWS JSON 1.1 to the real SDK, with a status
 * life cycle, throttling, fault injection and call accounting. Used by tests, benchmarks and the demo.
 */
export type {
  EmulatorAdmin,
  EmulatorStoreReader,
  MutationRecord,
  PartitionAdmin,
  PartitionHandle,
  StsAdmin,
} from "./core.js";
export { DEFAULT_MODES, MODE_VALUES } from "./modes.js";
export { type SageMakerEmulator, startSageMakerEmulator } from "./server.js";
export type { AdminRoleSpec } from "./sts.js";
export type {
  AdminAppSpec,
  AdminConfig,
  AdminDomainPatch,
  AdminDomainSpec,
  AdminProfilePatch,
  AdminProfileSpec,
  AdminResources,
  AdminSpaceSpec,
  AppView,
  CallCounts,
  Delays,
  DomainView,
  DropFault,
  EmulatorLimits,
  EmulatorModes,
  EmulatorOptions,
  ErrorFault,
  FaultRule,
  LatencyFault,
  ProfileView,
  SpaceView,
  ThrottleConfig,
  TimestampPrecision,
} from "./types.js";
