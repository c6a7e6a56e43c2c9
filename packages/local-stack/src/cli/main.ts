#!/usr/bin/env node
/**
 * The local stack's command line: `demo`, `emulator` and `local-kube`. A package of its own so that none of it is in the
 * operator's dist/ or image; it drives the operator (the demo starts it in-process), never the other way round.
 */
import { Command } from "commander";
import { type LazyCommands, runLazyCommands } from "../../../../src/cli/lazy-commands.js";

// Loaded on demand: `emulator` should not pay for the operator's and the API server's imports.
const commands: LazyCommands = {
  demo: () => import("./demo.js"),
  emulator: () => import("./emulator.js"),
  "local-kube": () => import("./local-kube.js"),
};

const program = new Command()
  .name("local-stack")
  .description("The local Kubernetes API server and SageMaker emulator, alone or with the operator in a guided demo")
  .showHelpAfterError();

runLazyCommands(program, commands);
