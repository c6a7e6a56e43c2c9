/**
 * The local stack (packages/local-stack: the local API server, the SageMaker emulator, the demo) is a development tool:
 * the operator's build (`npm run build`, what the image ships) holds none of it, and the Dockerfile copies none of it.
 * Nor does it hold @kubernetes/client-node's generated API classes and models: they cost 28-30 MiB of resident memory
 * at 2,000 resources (docs/benchmarks/README.md), and one import of a generated API (CustomObjectsApi, CoreV1Api, ...)
 * anywhere in src/ brings back its ObjectSerializer and with it every model. Nor undici, which client-node imports for
 * its fetch paths (its API classes, Watch, applySecurityAuthentication), none of which the operator takes.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const packageDir = join(root, "packages", "local-stack");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** Strings only the local stack has: the emulator's admin endpoint, the servers' start lines, the package's name. */
const LOCAL_STACK_MARKERS = [
  "/_admin/",
  "SageMaker emulator listening on",
  "Kubernetes API server listening on",
  "@sagemaker-profile-operator/local-stack",
];

let dist: string;
beforeAll(() => {
  // Inside the repository so the built CLI resolves node_modules; not dist/, which is left alone.
  const cache = join(root, "node_modules", ".cache");
  mkdirSync(cache, { recursive: true });
  dist = mkdtempSync(join(cache, "build-output-"));
  // `npm run build` as the Dockerfile's build stage runs it.
  const r = spawnSync("npm", ["run", "--silent", "build", "--", "--outDir", dist], { cwd: root, encoding: "utf8" });
  expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
}, 300_000);
afterAll(() => {
  if (dist) rmSync(dist, { recursive: true, force: true });
});

describe("the operator's build output", () => {
  it("is the operator's CLI and holds no local-stack code", () => {
    const built = files(dist).map((f) => relative(dist, f));
    expect(built).toContain(join("cli", "main.js"));
    expect(built.filter((f) => f.startsWith("local/") || f.includes("packages"))).toEqual([]);
    // The markers are real: each one is in the package's sources, so the check below can fail.
    const sources = files(join(packageDir, "src"))
      .map((f) => readFileSync(f, "utf8"))
      .join("\n");
    for (const marker of LOCAL_STACK_MARKERS.slice(0, 3)) expect(sources, marker).toContain(marker);
    const found = built.flatMap((f) => {
      const text = readFileSync(join(dist, f), "utf8");
      return LOCAL_STACK_MARKERS.filter((m) => text.includes(m)).map((m) => `${f}: ${m}`);
    });
    expect(found).toEqual([]);
  });

  it("keeps client-node's KubeConfig but none of its generated APIs, ObjectSerializer, models or undici", () => {
    const text = files(dist)
      .filter((f) => f.endsWith(".js"))
      .map((f) => readFileSync(f, "utf8"))
      .join("\n");
    expect(text).toContain("applyToHTTPSOptions");
    expect(text).toContain("allowWatchBookmarks");
    expect(text).not.toContain("ObjectSerializer");
    expect(text).not.toContain("attributeTypeMap");
    expect(text).not.toMatch(/CustomObjectsApi|CoordinationV1Api|EventsV1Api|CoreV1Api/);
    // undici's HTTP parser (WebAssembly) and its fetch: the operator's requests and watches go over node:http.
    const parser = "llhttp_execute"; // in undici's client-h1.js, which a bundle with undici holds
    expect(readFileSync(join(root, "node_modules", "undici", "lib", "dispatcher", "client-h1.js"), "utf8")).toContain(
      parser,
    );
    expect(text).not.toContain(parser);
    expect(text).toContain("is not in this build");
    // Nor Node's own undici, which an ES import of node:http loads (its lazy `WebSocket` export): built-ins are required.
    expect(text).toMatch(/[\w$]+\("node:http"\)/);
    expect(text.match(/(from|import)\s*["'](node:)?(http|https|tls|crypto|net)["']/g)).toBeNull();
  });

  it("lists none of the local stack's commands", () => {
    const help = spawnSync(process.execPath, [join(dist, "cli", "main.js"), "--help"], { cwd: root, encoding: "utf8" });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/\brun\b/);
    for (const command of ["demo", "emulator", "local-kube"])
      expect(help.stdout).not.toMatch(new RegExp(`^  ${command}\\b`, "m"));
  });
});

describe("the container image", () => {
  it("the Dockerfile copies no packages/ and the build context leaves it out", () => {
    const copies = readFileSync(join(root, "Dockerfile"), "utf8")
      .split("\n")
      .filter((l) => /^\s*COPY\s/i.test(l));
    expect(copies.length).toBeGreaterThan(0);
    expect(copies.filter((l) => /packages|\s\.\s|\s\.\/?\s/.test(l))).toEqual([]);
    // .dockerignore is an allow-list: packages/ must not be let back in.
    const allowed = readFileSync(join(root, ".dockerignore"), "utf8")
      .split("\n")
      .filter((l) => l.startsWith("!"));
    expect(allowed.filter((l) => l.includes("packages"))).toEqual([]);
    expect(readFileSync(join(root, ".dockerignore"), "utf8").split("\n")).toContain("*");
  });
});
