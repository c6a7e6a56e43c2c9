#!/usr/bin/env node
/** sagemaker-profile-operator command line: each command lives in ./commands and registers itself here. */
import { Command } from "commander";

type Register = (program: Command) => void;

// Loaded on demand: `validate` should not pay for the operator's and the SDK's imports. The local stack's commands
// (demo, emulator, local-kube) live in packages/local-stack, outside the operator's build and image.
const commands: Record<string, () => Promise<{ register: Register }>> = {
  run: () => import("./commands/run.js"),
  validate: () => import("./commands/validate.js"),
  diff: () => import("./commands/diff.js"),
  export: () => import("./commands/export.js"),
};

const program = new Command()
  .name("sagemaker-profile-operator")
  .description("Keeps Amazon SageMaker Studio user profiles equal to SageMakerUserProfile resources")
  .showHelpAfterError();

async function main(): Promise<void> {
  const named = commands[process.argv[2] ?? ""];
  // One command when it is named; all of them for help, and so that an unknown command lists the known ones.
  for (const load of named ? [named] : Object.values(commands)) (await load()).register(program);
  await program.parseAsync(process.argv);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
