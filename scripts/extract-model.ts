/**
 * Builds the repo's SageMaker model extract (model/sagemaker.json, what scripts/generate.ts reads) from botocore's
 * full model: the operations below and every shape they reach (inputs, outputs, errors, transitively), with the
 * documentation strings dropped and the shapes sorted by name. Nothing else is edited, so the extract equals
 * botocore's model for every shape it holds.
 *
 * Usage: tsx scripts/extract-model.ts PATH/TO/botocore/data/sagemaker/2017-07-24/service-2.json [--check]
 * (`fetch github:boto/botocore`, then `git --git-dir=... show HEAD:botocore/data/sagemaker/2017-07-24/service-2.json`).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** What the operator calls and the emulator answers. */
export const OPERATIONS = [
  "CreateUserProfile",
  "DescribeUserProfile",
  "UpdateUserProfile",
  "DeleteUserProfile",
  "ListUserProfiles",
  "ListTags",
  "AddTags",
  "DeleteTags",
  // Apps and spaces: what blocks DeleteUserProfile, and what deletion cleanup removes (issue 14).
  "CreateApp",
  "DescribeApp",
  "ListApps",
  "DeleteApp",
  "CreateSpace",
  "DescribeSpace",
  "ListSpaces",
  "DeleteSpace",
];

interface Ref {
  shape: string;
}
interface BotocoreShape {
  members?: Record<string, Ref>;
  member?: Ref;
  key?: Ref;
  value?: Ref;
}
interface BotocoreOperation {
  input?: Ref;
  output?: Ref;
  errors?: Ref[];
}
interface BotocoreModel {
  metadata: Record<string, unknown>;
  operations: Record<string, BotocoreOperation>;
  shapes: Record<string, BotocoreShape>;
}

const withoutDocs = <T>(value: T): T =>
  JSON.parse(JSON.stringify(value, (k, v) => (k === "documentation" || k === "documentationUrl" ? undefined : v)));

export function extract(full: BotocoreModel, operations: readonly string[]): BotocoreModel {
  const names = new Set<string>();
  const visit = (name: string) => {
    if (names.has(name)) return;
    const s = full.shapes[name];
    if (!s) throw new Error(`botocore model has no shape ${name}`);
    names.add(name);
    for (const ref of [...Object.values(s.members ?? {}), s.member, s.key, s.value]) if (ref) visit(ref.shape);
  };
  const ops: Record<string, BotocoreOperation> = {};
  for (const name of operations) {
    const op = full.operations[name];
    if (!op) throw new Error(`botocore model has no operation ${name}`);
    ops[name] = withoutDocs(op);
    for (const ref of [op.input, op.output, ...(op.errors ?? [])]) if (ref) visit(ref.shape);
  }
  const shapes = Object.fromEntries([...names].sort().map((n) => [n, withoutDocs(full.shapes[n] as BotocoreShape)]));
  return { metadata: withoutDocs(full.metadata), operations: ops, shapes };
}

export const EXTRACT_PATH = join(dirname(fileURLToPath(import.meta.url)), "..", "model", "sagemaker.json");

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const source = process.argv[2];
  if (!source) throw new Error("usage: tsx scripts/extract-model.ts PATH/TO/service-2.json [--check]");
  const out = `${JSON.stringify(extract(JSON.parse(readFileSync(source, "utf8")), OPERATIONS), null, 2)}\n`;
  if (process.argv.includes("--check")) {
    if (readFileSync(EXTRACT_PATH, "utf8") !== out) {
      console.error("model/sagemaker.json differs from the extract of", source);
      process.exit(1);
    }
    console.log("model/sagemaker.json is the extract of", source);
  } else writeFileSync(EXTRACT_PATH, out);
}
