import { readFileSync, readdirSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { validateCustomResourceDefinition } from "./src/local/kube/crd-validation.ts";
const dir = "/tmp/scratch/realworld";
for (const f of readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort()) {
  for (const d of parseAllDocuments(readFileSync(`${dir}/${f}`, "utf8"))) {
    const crd = d.toJS();
    if (crd?.kind !== "CustomResourceDefinition") continue;
    const t0 = performance.now();
    let errs;
    try { errs = validateCustomResourceDefinition(crd); } catch (e) { console.log(f, "THROW", e); continue; }
    console.log(`${f} ${(performance.now() - t0).toFixed(0)}ms ${errs.length} errors`);
    for (const e of errs.slice(0, 8)) console.log(`   ${e.field}: ${e.message.slice(0, 400)}`);
  }
}
