/** The resource's API: types and constants, the SageMaker model helpers, spec <-> SageMaker mapping, validation. */
export * from "./mapping.js";
export * from "./model.js";
export * from "./types.js";
export * from "./validation.js";
