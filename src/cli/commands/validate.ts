/**
 * `validate -f FILE|DIR ...`: checks SageMakerUserProfile, SageMakerProfilePolicy and SageMakerAccount manifests as the API server would at `kubectl apply`
 * time, offline. Exit 0 when every document is valid, 1 otherwise (one line per problem on stdout).
 */
import type { Command } from "commander";
import { GROUP } from "../../api/types.js";
import { type ManifestProblem, NO_PROFILES_MESSAGE, validateManifestText } from "../../api/validation.js";
import { collect, err, out, printProblems, readManifestFiles } from "../output.js";

interface ValidateFlags {
  filename?: string[];
  verbose?: boolean;
}

export function register(program: Command): void {
  program
    .command("validate")
    .description(
      "Validate SageMakerUserProfile (and SageMakerProfilePolicy, SageMakerAccount) manifests offline: CRD schema, unknown fields, CEL rules, YAML safety",
    )
    .option("-f, --filename <path>", "manifest file, or directory of *.yaml / *.yml files (repeatable)", collect)
    .option("-v, --verbose", "also list valid documents and documents of other kinds (skipped)")
    .action((flags: ValidateFlags, command: Command) => {
      if (!flags.filename?.length) command.error("error: validate needs at least one -f FILE or DIRECTORY");
      process.exitCode = runValidate(flags.filename, flags.verbose === true);
    });
}

function runValidate(paths: string[], verbose: boolean): number {
  const problems: ManifestProblem[] = [];
  let profiles = 0;
  for (const file of readManifestFiles(paths)) {
    if (file.text === undefined) {
      const problem = { document: file.path, path: "", message: file.error ?? "cannot read" };
      problems.push(problem);
      printProblems([problem], out);
      continue;
    }
    const result = validateManifestText(file.text, file.path);
    profiles += result.documents.length + result.related.length;
    problems.push(...result.problems);
    printProblems(result.problems, out);
    if (verbose) {
      const invalid = new Set(result.problems.map((p) => p.document));
      for (const d of [...result.documents, ...result.related]) if (!invalid.has(d.label)) out(`${d.label}: valid`);
      for (const d of result.skipped) out(`${d.label}: skipped (${describeKind(d.object)})`);
    }
  }
  if (profiles === 0 && problems.length === 0) {
    const problem = { document: paths.join(", "), path: "", message: NO_PROFILES_MESSAGE };
    problems.push(problem);
    printProblems([problem], out);
  }
  if (problems.length === 0) {
    out(`${profiles} document${profiles === 1 ? "" : "s"} valid`);
    return 0;
  }
  err(summary(problems, profiles));
  return 1;
}

function summary(problems: ManifestProblem[], profiles: number): string {
  const documents = new Set(problems.map((p) => p.document)).size;
  const s = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return `${s(problems.length, "problem")} in ${s(documents, "document")} (${s(profiles, `${GROUP} document`)} read)`;
}

function describeKind(object: unknown): string {
  const o = object as { apiVersion?: unknown; kind?: unknown };
  return `${String(o.kind)} ${String(o.apiVersion)}`;
}
