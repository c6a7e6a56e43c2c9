#!/usr/bin/env node
/** sagemaker-profile-operator command line: each command lives in ./commands and registers itself here. */
import { Command } from "commander";
import { register as demo } from "./commands/demo.js";
import { register as diff } from "./commands/diff.js";
import { register as emulator } from "./commands/emulator.js";
import { register as localKube } from "./commands/local-kube.js";
import { register as run } from "./commands/run.js";
import { register as validate } from "./commands/validate.js";

const program = new Command()
  .name("sagemaker-profile-operator")
  .description("Keeps Amazon SageMaker Studio user profiles equal to SageMakerUserProfile resources")
  .showHelpAfterError();

const commands: Array<(p: Command) => void> = [run, demo, validate, diff, emulator, localKube];
for (const register of commands) register(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
