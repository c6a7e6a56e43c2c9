/**
 * Reproduces the container image's /app (the Dockerfile's final stage) in a directory, without a container engine:
 * package.json, package-lock.json, crds/, production dependencies only (`npm ci --omit=dev --ignore-scripts`, as the
 * Dockerfile's deps stage) and the compiled dist/ (`npm run build`, as its build stage, written straight into the
 * layout so the working tree's dist/ is left alone). Start it as the image does: `node dist/cli/main.js run ...`.
 *
 * Usage: npx tsx scripts/image-layout.ts [DIR]   (prints the directory; default a new temporary one)
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function run(command: string, args: string[], cwd: string): void {
  const r = spawnSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (r.status !== 0) {
    const output = `${r.stdout}\n${r.stderr}`.trim().split("\n").slice(-40).join("\n");
    throw new Error(`${command} ${args.join(" ")} failed in ${cwd} (exit ${r.status ?? r.signal}):\n${output}`);
  }
}

/** Builds the layout in `dir` (created if missing; default a new temporary directory) and returns its path. */
export function buildImageLayout(dir?: string): string {
  const out = dir ? resolve(dir) : mkdtempSync(join(tmpdir(), "smpo-image-"));
  mkdirSync(out, { recursive: true });
  for (const f of ["package.json", "package-lock.json"]) cpSync(join(root, f), join(out, f));
  cpSync(join(root, "crds"), join(out, "crds"), { recursive: true });
  run("npm", ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], out);
  run("npm", ["run", "--silent", "build", "--", "--outDir", join(out, "dist")], root);
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  console.log(buildImageLayout(process.argv[2]));
}
