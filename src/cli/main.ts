#!/usr/bin/env node
/** sagemaker-profile-operator command line: each command lives in ./commands and registers itself here. */
import { Command } from "commander";
import { type LazyCommands, runLazyCommands } from "./lazy-commands.js";

// Loaded on demand: `validate` should not pay for the operator's and the SDK's imports. The local stack's commands
// (demo, emulator, local-kube) live in packages/local-stack, outside the operator's build and image.
const commands: LazyCommands = {
  run: () => import("./commands/run.js"),
  validate: () => import("./commands/validate.js"),
  diff: () => import("./commands/diff.js"),
  export: () => import("./commands/export.js"),
};

const program = new Command()
  .name("sagemaker-profile-operator")
  .description("Keeps Amazon SageMaker Studio user profiles equal to SageMakerUserProfile resources")
  .showHelpAfterError();

runLazyCommands(program, commands);
