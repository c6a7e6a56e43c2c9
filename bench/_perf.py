# Scratch: perf script (with --perf-basic-prof JS names) -> CPU share by thread, by category and by first JS frame.
import sys, re, subprocess, collections
data = sys.argv[1]; top = int(sys.argv[2]) if len(sys.argv) > 2 else 40
out = subprocess.run(["perf", "script", "-i", data, "-F", "comm,ip,sym", "--no-inline"], capture_output=True, text=True).stdout
samples = []; cur = None
for line in out.splitlines():
    if not line.strip():
        if cur: samples.append(cur); cur = None
        continue
    if not line.startswith(("\t", " " * 8)) or cur is None and not line.startswith("\t"):
        if cur: samples.append(cur)
        cur = {"comm": line.split()[0], "stack": []}
    else:
        sym = line.strip().split(" ", 1)[1] if " " in line.strip() else line.strip()
        cur["stack"].append(sym)
if cur: samples.append(cur)
N = len(samples)
GC = re.compile(r"v8::internal::(Scaveng|Heap::|MarkCompact|ConcurrentMarking|Sweeper|Marking|MinorMark|.*GC|.*Evacuat|IncrementalMarking|ArrayBufferSweeper|MemoryAllocator|PagedSpace|SemiSpace)|Scaveng|Marking")
cat = collections.Counter(); js = collections.Counter(); mod = collections.Counter()
def modof(s):
    m = re.search(r"node_modules/((?:@[^/]+/)?[^/]+)", s)
    if m: return m.group(1)
    m = re.search(r"(src/[^:]+|chunk-[A-Z0-9]+\.js|main\.js|node:[a-z_/]+)", s)
    return m.group(1) if m else "?"
for s in samples:
    st = s["stack"]
    leaf = st[0] if st else "?"
    if s["comm"] != "MainThread":
        c = "worker:gc" if any(GC.search(f) for f in st[:12]) else "worker:other(compile etc)"
    elif any(GC.search(f) for f in st[:25]): c = "main:gc"
    elif leaf.startswith("[k]") or "kernel" in leaf or re.match(r"^[a-z_]+$", leaf) and "entry_SYSCALL" in " ".join(st): c = "main:kernel"
    else: c = "main:other"
    cat[c] += 1
    if s["comm"] == "MainThread" and c == "main:other":
        f = next((f for f in st if f.startswith("JS:") or "LazyCompile" in f), None)
        js[f or "(no JS frame) " + leaf[:60]] += 1
        mod[modof(f) if f else "(native)"] += 1
print(f"{N} samples")
for k, v in cat.most_common(): print(f"{100*v/N:6.1f} % {k}")
print("\n-- main thread non-GC by module of first JS frame")
for k, v in mod.most_common(25): print(f"{100*v/N:6.1f} % {k}")
print("\n-- by first JS frame")
for k, v in js.most_common(top): print(f"{100*v/N:6.1f} % {k[:150]}")
if len(sys.argv) > 3:
    inc = collections.Counter()
    for s in samples:
        seen = set()
        for f in s["stack"]:
            if f.startswith("JS:"):
                k = re.sub(r"^JS:[*+^~']*", "", f).replace("/work/wt/cpu/", "").replace("file://", "")
                if k not in seen: seen.add(k); inc[k] += 1
    print("\n-- inclusive by JS function (all threads' samples as denominator)")
    pat = re.compile(sys.argv[3])
    for k, v in inc.most_common(2000):
        if pat.search(k) and v / N > 0.002: print(f"{100*v/N:6.1f} % {k[:160]}")
