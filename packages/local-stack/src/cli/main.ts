#!/usr/bin/env node
/**
 * The local stack's command line: `demo`, `emulator` and `local-kube`. A package of its own so that none of it is in the
 * operator's dist/ or image; it drives the operator (the demo starts it in-process), never the other way round.
 */
import { Command } from "commander";

type Register = (program: Command) => void;

// Loaded on demand: `emulator` should not pay for the operator's and the API server's imports.
const commands: Record<string, () => Promise<{ register: Register }>> = {
  demo: () => import("./demo.js"),
  emulator: () => import("./emulator.js"),
  "local-kube": () => import("./local-kube.js"),
};

const program = new Command()
  .name("local-stack")
  .description("The local Kubernetes API server and SageMaker emulator, alone or with the operator in a guided demo")
  .showHelpAfterError();

async function main(): Promise<void> {
  const named = commands[process.argv[2] ?? ""];
  for (const load of named ? [named] : Object.values(commands)) (await load()).register(program);
  await program.parseAsync(process.argv);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
