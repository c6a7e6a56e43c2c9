// Scratch: a heap snapshot's plain objects (and arrays) grouped by their property names, with count and self size.
//   node bench/_heapshape.mjs A.heapsnapshot [top] [filter-substring]
import { readFileSync } from "node:fs";

const s = JSON.parse(readFileSync(process.argv[2], "utf8"));
const top = Number(process.argv[3] ?? 40);
const filter = process.argv[4];
const m = s.snapshot.meta;
const nf = m.node_fields,
  ef = m.edge_fields,
  nt = m.node_types[0],
  et = m.edge_types[0];
const W = nf.length,
  EW = ef.length;
const [iType, iName, iSize, iEdges] = ["type", "name", "self_size", "edge_count"].map((k) => nf.indexOf(k));
const [eType, eName] = ["type", "name_or_index"].map((k) => ef.indexOf(k));
const rows = new Map();
let e = 0;
for (let i = 0; i < s.nodes.length; i += W) {
  const n = s.nodes[i + iEdges];
  const type = nt[s.nodes[i + iType]];
  const name = s.strings[s.nodes[i + iName]];
  if (type === "object" && (filter ? name.includes(filter) : true)) {
    const props = [];
    for (let k = 0; k < n; k++) {
      const t = et[s.edges[e + k * EW + eType]];
      if (t === "property") props.push(s.strings[s.edges[e + k * EW + eName]]);
      else if (t === "element") {
        props.push("[]");
        break;
      }
    }
    const key = `${name} {${[...new Set(props)].slice(0, 12).join(",")}}`;
    const r = rows.get(key) ?? { count: 0, size: 0 };
    r.count++;
    r.size += s.nodes[i + iSize];
    rows.set(key, r);
  }
  e += n * EW;
}
for (const [k, r] of [...rows].sort((a, b) => b[1].count - a[1].count).slice(0, top))
  console.log(`${String(r.count).padStart(8)} ${(r.size / 1024).toFixed(0).padStart(7)} KiB ${k.slice(0, 200)}`);
