// Scratch: a heap snapshot's self sizes by node type and constructor name, and the difference between two.
//   node bench/_heap.mjs A.heapsnapshot [B.heapsnapshot] [top]
// With B: rows sorted by B - A (what B holds more of). Strings are grouped by their first 40 characters.
import { readFileSync } from "node:fs";

function load(path) {
  const s = JSON.parse(readFileSync(path, "utf8"));
  const f = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = ["type", "name", "self_size"].map((k) => f.indexOf(k));
  const w = f.length;
  const rows = new Map();
  let total = 0;
  for (let i = 0; i < s.nodes.length; i += w) {
    const type = types[s.nodes[i + iType]];
    let name = s.strings[s.nodes[i + iName]];
    if (type === "string" || type === "concatenated string" || type === "sliced string")
      name = JSON.stringify(name.slice(0, 40).replace(/[0-9a-f]/g, "#"));
    if (type === "code" || type === "hidden" || type === "array" || type === "object shape") name = name.slice(0, 40);
    const key = `${type} ${name}`;
    const size = s.nodes[i + iSize];
    total += size;
    const r = rows.get(key) ?? { count: 0, size: 0 };
    r.count++;
    r.size += size;
    rows.set(key, r);
  }
  return { rows, total };
}

const [a, b, topArg] = process.argv.slice(2);
const top = Number((b && !b.endsWith(".heapsnapshot") ? b : topArg) ?? 40);
const A = load(a);
const mib = (n) => (n / 2 ** 20).toFixed(2);
if (!b?.endsWith(".heapsnapshot")) {
  console.log(`total ${mib(A.total)} MiB`);
  const byType = new Map();
  for (const [k, r] of A.rows) {
    const t = k.split(" ")[0];
    byType.set(t, (byType.get(t) ?? 0) + r.size);
  }
  for (const [t, s] of [...byType].sort((x, y) => y[1] - x[1])) console.log(`  ${t} ${mib(s)}`);
  for (const [k, r] of [...A.rows].sort((x, y) => y[1].size - x[1].size).slice(0, top))
    console.log(`${mib(r.size).padStart(8)} MiB ${String(r.count).padStart(8)} ${k}`);
} else {
  const B = load(b);
  console.log(`total ${mib(A.total)} -> ${mib(B.total)} MiB`);
  const keys = new Set([...A.rows.keys(), ...B.rows.keys()]);
  const diff = [...keys].map((k) => {
    const ra = A.rows.get(k) ?? { count: 0, size: 0 };
    const rb = B.rows.get(k) ?? { count: 0, size: 0 };
    return { k, d: rb.size - ra.size, dc: rb.count - ra.count, a: ra, b: rb };
  });
  for (const r of diff.sort((x, y) => y.d - x.d).slice(0, top))
    console.log(`${mib(r.d).padStart(8)} MiB ${String(r.dc).padStart(8)} (${r.a.count} -> ${r.b.count}) ${r.k}`);
}
