// Scratch: retainer paths (up to depth 6) of a few nodes matching a type and name prefix, grouped.
//   node bench/_heapret.mjs A.heapsnapshot 'type' 'name-prefix' [depth]
import { readFileSync } from "node:fs";

const s = JSON.parse(readFileSync(process.argv[2], "utf8"));
const [want, prefix] = [process.argv[3], process.argv[4] ?? ""];
const depth = Number(process.argv[5] ?? 6);
// Optional: only nodes with a property of this name.
const hasProp = process.argv[6];
const m = s.snapshot.meta;
const nf = m.node_fields,
  ef = m.edge_fields,
  nt = m.node_types[0],
  et = m.edge_types[0];
const W = nf.length,
  EW = ef.length;
const [iType, iName, iEdges] = ["type", "name", "edge_count"].map((k) => nf.indexOf(k));
const [eType, eName, eTo] = ["type", "name_or_index", "to_node"].map((k) => ef.indexOf(k));
const N = s.nodes.length / W;
const retainers = Array.from({ length: N }, () => []);
let e = 0;
for (let i = 0; i < N; i++) {
  const n = s.nodes[i * W + iEdges];
  for (let k = 0; k < n; k++) {
    const off = e + k * EW;
    const t = et[s.edges[off + eType]];
    if (t === "weak") continue;
    const to = s.edges[off + eTo] / W;
    const raw = t === "element" || t === "hidden" ? "[]" : String(s.strings[s.edges[off + eName]]);
    const name = /^\d+$/.test(raw) ? "#" : raw;
    retainers[to].push([i, `${t === "context" ? "ctx:" : ""}${name}`]);
  }
  e += n * EW;
}
const edgeStart = new Array(N);
{
  let acc = 0;
  for (let i = 0; i < N; i++) {
    edgeStart[i] = acc;
    acc += s.nodes[i * W + iEdges] * EW;
  }
}
const propsOf = (i) => {
  const out = [];
  for (let k = 0; k < s.nodes[i * W + iEdges]; k++) {
    const off = edgeStart[i] + k * EW;
    if (et[s.edges[off + eType]] === "property") out.push(s.strings[s.edges[off + eName]]);
  }
  return out;
};
const label = (i) => `${nt[s.nodes[i * W + iType]]}:${String(s.strings[s.nodes[i * W + iName]]).slice(0, 30)}`;
const paths = new Map();
let found = 0;
for (let i = 0; i < N; i++) {
  if (nt[s.nodes[i * W + iType]] !== want || !String(s.strings[s.nodes[i * W + iName]]).startsWith(prefix)) continue;
  if (hasProp && !propsOf(i).includes(hasProp)) continue;
  found++;
  if (found % 7 !== 1 || found > 30000) continue;
  let cur = i;
  const parts = [];
  for (let d = 0; d < depth; d++) {
    const r = retainers[cur][0];
    if (!r) break;
    parts.push(`${r[1]} <- ${label(r[0])}`);
    cur = r[0];
  }
  const key = parts.join(" | ");
  paths.set(key, (paths.get(key) ?? 0) + 1);
}
console.log(`found ${found}`);
for (const [k, c] of [...paths].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(c, k);
