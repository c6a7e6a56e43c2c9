/**
 * Runs a CLI as a user would (node + the tsx loader on src/cli/main.ts, or on the local stack's
 * packages/local-stack/src/cli/main.ts) and collects its exit code and output.
 * Each run starts a Node process that loads every command: slow on a busy machine, hence the generous limits.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";

export const repoRoot = join(import.meta.dirname, "../..");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The local stack's command line (`demo`, `emulator`, `local-kube`), relative to the repository root. */
export const LOCAL_STACK_CLI = "packages/local-stack/src/cli/main.ts";

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, main = "src/cli/main.ts"): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", main, ...args],
      { cwd: repoRoot, env: { ...process.env, NO_COLOR: "", ...env }, timeout: 100_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") return reject(error);
        resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr });
      },
    );
  });
}

export const lines = (text: string): string[] => text.split("\n").filter((l) => l.length > 0);

/** Per-test limit for tests that start the CLI (several processes each). */
export const CLI_TEST_TIMEOUT = 180_000;
