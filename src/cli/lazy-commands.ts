/** A command line whose commands are imported on demand: a command pays only for its own imports. */
import type { Command } from "commander";

export type LazyCommands = Record<string, () => Promise<{ register(program: Command): void }>>;

/** Registers the named command (all of them for help, and so that an unknown one lists the known ones), runs it. */
export function runLazyCommands(program: Command, commands: LazyCommands): void {
  const main = async () => {
    const named = commands[process.argv[2] ?? ""];
    for (const load of named ? [named] : Object.values(commands)) (await load()).register(program);
    await program.parseAsync(process.argv);
  };
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
