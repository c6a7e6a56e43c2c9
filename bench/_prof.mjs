// Scratch: aggregates a .cpuprofile's self time by function and by module (node_modules package or src file).
import { readFileSync } from "node:fs";

const p = JSON.parse(readFileSync(process.argv[2], "utf8"));
const top = Number(process.argv[3] ?? 40);
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = p.timeDeltas;
for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (dt[i] ?? 0));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const mod = (url) => {
  if (!url) return "(native)";
  const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (m) return m[1];
  const s = url.match(/(src\/.*|packages\/.*)$/);
  return s ? s[1] : url.replace(/^.*\//, "");
};
const fn = new Map(),
  mods = new Map();
for (const [id, t] of self) {
  const n = byId.get(id);
  const cf = n.callFrame;
  const k = `${cf.functionName || "(anon)"} ${mod(cf.url)}:${cf.lineNumber + 1}`;
  fn.set(k, (fn.get(k) ?? 0) + t);
  const mk = mod(cf.url);
  mods.set(mk, (mods.get(mk) ?? 0) + t);
}
// inclusive time by function name (for callers like JSON.parse wrappers)
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const incl = new Map();
for (const [id, t] of self) {
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const cf = byId.get(cur).callFrame;
    const k = `${cf.functionName || "(anon)"} ${mod(cf.url)}`;
    if (seen.has(k)) continue;
    seen.add(k);
    incl.set(k, (incl.get(k) ?? 0) + t);
  }
}
const show = (title, m, k = top) => {
  console.log(`\n== ${title} (total ${(total / 1e6).toFixed(2)} s)`);
  for (const [name, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, k))
    console.log(`${(t / 1e6).toFixed(2).padStart(7)} s ${((100 * t) / total).toFixed(1).padStart(5)} %  ${name}`);
};
show("self by module", mods, 30);
show("self by function", fn);
if (process.argv[4]) show("inclusive", incl, Number(process.argv[4]));
