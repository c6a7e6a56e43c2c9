import { readFileSync, readdirSync } from "node:fs";
import { parse } from "yaml";
import { validateCustomResourceDefinition } from "./src/local/kube/crd-validation.ts";
const dir = "test/corpus/invalid-crds";
const exp = parse(readFileSync(`${dir}/expected.yaml`, "utf8"));
for (const f of readdirSync(dir).filter((f) => /^\d\d/.test(f)).sort()) {
  const crd = parse(readFileSync(`${dir}/${f}`, "utf8"));
  let errs;
  try { errs = validateCustomResourceDefinition(crd); } catch (e) { console.log(f, "THROW", e); continue; }
  const w = exp[f];
  const ok = errs.some((e) => e.field === w.field && e.message.includes(w.message)) && errs.length === (w.causes ?? 1);
  if (!ok) { console.log(`== ${f} (want ${w.field}: ${w.message})`); for (const e of errs) console.log(`   ${e.field}: ${e.message.slice(0, 300)}`); }
}
