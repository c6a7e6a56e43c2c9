/**
 * The benchmark's processes: the local Kubernetes API server, the SageMaker emulator and the operator, each a separate
 * `node` process running compiled JavaScript (as the container image does), so their CPU and memory are their own:
 * the operator's CLI, and the local stack's (packages/local-stack) for the API server and the emulator.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { join, relative } from "node:path";
import { createInterface } from "node:readline";
import { buildCli } from "../scripts/build.js";

export const repoRoot = join(import.meta.dirname, "..");
/**
 * Compiled once per run into .bench/dist (inside the repository, so node_modules resolves), by bench/tsconfig.build.json:
 * the repository's layout, so the local stack's imports of the operator's modules resolve as in the sources.
 */
const distDir = join(repoRoot, ".bench", "dist");
/** The operator as the image runs it: `npm run build`'s bundle (scripts/build.ts), not the per-file compile. */
const operatorDir = join(repoRoot, ".bench", "operator");
const operatorMain = join(operatorDir, "cli", "main.js");
const localStackMain = join(distDir, "packages", "local-stack", "src", "cli", "main.js");
/** The local stack's commands; everything else is the operator's CLI. */
const LOCAL_STACK_COMMANDS = new Set(["local-kube", "emulator", "demo"]);

/**
 * Compiles src/ and packages/local-stack/src to .bench/dist and bundles the operator into .bench/operator, unless both
 * are already newer than every source file.
 */
export async function ensureBuild(): Promise<void> {
  const newestSource = Math.max(
    newestMtime(join(repoRoot, "src")),
    newestMtime(join(repoRoot, "packages", "local-stack", "src")),
  );
  const built = [operatorMain, localStackMain];
  if (built.every((f) => existsSync(f) && statSync(f).mtimeMs >= newestSource)) return;
  const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
  const r = spawnSync(process.execPath, [tsc, "-p", join("bench", "tsconfig.build.json")], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`building ${relative(repoRoot, distDir)} failed:\n${r.stdout}${r.stderr}`);
  await buildCli(operatorDir);
}

function newestMtime(dir: string): number {
  let newest = 0;
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(dir);
  return newest;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Every child still running: killed if the benchmark itself dies, so no server or operator outlives it. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly startedAt: number;
  /** Resolves with the first stdout line matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /**
   * Resident set size now and at its peak (VmHWM), the anonymous part (RssAnon: heap and native allocations) and the
   * file-backed part (RssFile: the node binary's text and ICU data, shared and reclaimable), in MiB, from /proc.
   */
  memory(): { rssMiB: number; peakRssMiB: number; anonMiB: number; fileMiB: number };
  /** CPU time used so far (user + system), in seconds. */
  cpuSeconds(): number;
  /** SIGTERM (or `signal`), SIGKILL after 10 s; resolves once it exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** The first 200 stdout lines, and every later one matching startCli's `keep`. */
  output(): readonly string[];
}

/**
 * Starts `node <nodeArgs> .bench/dist/.../cli/main.js <args>` (the local stack's CLI for its commands, else the
 * operator's); stderr is kept for the error message if it dies early; stdout lines matching `keep` are kept beyond the
 * first 200.
 */
export function startCli(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  { keep, nodeArgs = [] }: { keep?: RegExp; nodeArgs?: string[] } = {},
): Child {
  const startedAt = Date.now();
  const cliMain = LOCAL_STACK_COMMANDS.has(args[0] ?? "") ? localStackMain : operatorMain;
  const main = name === "operator" && process.env.BENCH_OPERATOR_MAIN ? process.env.BENCH_OPERATOR_MAIN : cliMain;
  const proc: ChildProcess = spawn(process.execPath, [...nodeArgs, main, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, NODE_OPTIONS: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(proc);
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];
  let stderr = "";
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    proc.once("exit", (code) => {
      running.delete(proc);
      exitCode = code;
      resolve();
    }),
  );
  proc.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    if (lines.length < 200 || keep?.test(line)) lines.push(line);
    for (const w of [...waiters]) {
      const m = line.match(w.pattern);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const procStatus = (field: string) => {
    try {
      const m = readFileSync(`/proc/${proc.pid}/status`, "utf8").match(new RegExp(`${field}:\\s+(\\d+) kB`));
      return m ? Number(m[1]) / 1024 : Number.NaN;
    } catch {
      return Number.NaN;
    }
  };
  return {
    name,
    pid: proc.pid ?? -1,
    startedAt,
    waitForLine(pattern, timeoutMs = 60_000) {
      for (const line of lines) {
        const m = line.match(pattern);
        if (m) return Promise.resolve(m);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${name}: no line matching ${pattern} after ${timeoutMs} ms\n${stderr}`)),
          timeoutMs,
        );
        const died = () => {
          if (exitCode !== undefined) reject(new Error(`${name} exited (${exitCode}) before ${pattern}\n${stderr}`));
        };
        exited.then(died);
        waiters.push({
          pattern,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      });
    },
    output: () => lines,
    memory: () => ({
      rssMiB: procStatus("VmRSS"),
      peakRssMiB: procStatus("VmHWM"),
      anonMiB: procStatus("RssAnon"),
      fileMiB: procStatus("RssFile"),
    }),
    cpuSeconds() {
      try {
        // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised command), in clock ticks of 1/100 s.
        const fields = readFileSync(`/proc/${proc.pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
        return (Number(fields[11]) + Number(fields[12])) / 100;
      } catch {
        return Number.NaN;
      }
    },
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (exitCode !== undefined) return;
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
