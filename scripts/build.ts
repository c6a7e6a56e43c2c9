/**
 * `npm run build`: type-checks src/ (tsconfig.build.json) and bundles the CLI into dist/cli/ with esbuild: ES modules,
 * tree-shaken, minified, one chunk per lazily loaded command. Why a bundle: V8 keeps the source text of every loaded
 * module in the heap (lazy compilation needs it), and the unbundled dependencies brought some 25 MiB of it, comments
 * and unused API groups included; minified and tree-shaken it is about 3 MiB (figures in docs/benchmarks/README.md).
 * The chunks stay in dist/cli/, one level below dist/ like the compiled sources were, so `new URL("../../crds/...",
 * import.meta.url)` still finds crds/ next to dist/.
 *
 *   npx tsx scripts/build.ts [--outDir DIR] [--no-check]
 */
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Marks @kubernetes/client-node's generated model files as free of side effects, so the bundle drops the models
 * nothing uses. Each model file defines one class and assigns its own statics (`V1Lease.attributeTypeMap = [...]`),
 * which esbuild must otherwise keep; the package declares no `sideEffects`. The operator imports none of the generated
 * API classes (src/kube/rest.ts), and so no ObjectSerializer, the only code that reaches every model; client-node's
 * KubeConfig still imports gen/index.js (for createConfiguration), which re-exports them all.
 */
const clientNodeModelsArePure: Plugin = {
  name: "client-node-models-are-pure",
  setup(b) {
    b.onResolve({ filter: /\/models\/[^/]+\.js$/ }, async (args) => {
      if (args.pluginData?.resolving || !args.importer.includes("@kubernetes/client-node/dist/gen/")) return undefined;
      const r = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: { resolving: true },
      });
      return r.errors.length ? undefined : { path: r.path, sideEffects: false };
    });
  },
};

/**
 * Leaves undici (some 740 KiB of source and its WebAssembly HTTP parsers) out of the bundle. client-node imports it for
 * its fetch-based paths (the generated API classes, applySecurityAuthentication, Watch), which the operator does not
 * take: its requests and watches go over node:http (src/kube/rest.ts). What remains importable throws if reached,
 * saying so, rather than the bundle quietly carrying a second HTTP stack.
 */
const withoutUndici: Plugin = {
  name: "without-undici",
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, () => ({ path: "undici", namespace: "without-undici" }));
    b.onLoad({ filter: /.*/, namespace: "without-undici" }, () => ({
      contents: `const notBundled = (what) => new Error(what + " from undici is not in this build: the operator's Kubernetes requests go over node:http (src/kube/rest.ts)");
export class Agent { constructor() { throw notBundled("Agent"); } }
export class ProxyAgent { constructor() { throw notBundled("ProxyAgent"); } }
export function fetch() { return Promise.reject(notBundled("fetch")); }`,
      loader: "js",
    }));
  },
};

/**
 * Node's built-in modules reach the bundle as CommonJS `require()`s, not ES module imports. For an `import` of a
 * built-in, Node builds the module's ES namespace by reading every export, which runs the lazy getters a module keeps
 * for what it rarely needs: node:http's `WebSocket` loads Node's own copy of undici (2.3 MiB of heap, measured), node:tls's
 * `rootCertificates` parses every bundled root certificate, node:crypto's `webcrypto` loads Web Crypto. A `require()`
 * (what the AWS SDK's CommonJS code does already) returns the module object, and esbuild's interop reads each export
 * only where it is used.
 */
const builtinsAsRequire: Plugin = {
  name: "builtins-as-require",
  setup(b) {
    b.onResolve({ filter: /^[a-z_:/]+$/ }, (args) =>
      isBuiltin(args.path) && args.namespace !== "builtin-require"
        ? { path: args.path, namespace: "builtin-require" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "builtin-require" }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: "js",
    }));
  },
};

/** Bundles src/cli/main.ts into `<outDir>/cli/main.js` (and its chunks); `outDir` is emptied first. */
export async function buildCli(outDir: string): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  await build({
    entryPoints: [join(root, "src", "cli", "main.ts")],
    outdir: join(outDir, "cli"),
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node22",
    // Whitespace and syntax, not names: stack traces and logged error types keep real function and class names without
    // esbuild's keepNames, whose `__name` call on every function it creates cost 2-4 % of the CPU per profile
    // (bench/_cpu.ts), for 0.4 MiB more source.
    minifyWhitespace: true,
    minifySyntax: true,
    // The ES module build of a package that has one (the AWS SDK's and smithy's dist-es) before its CommonJS main,
    // which esbuild prefers for platform "node" and cannot tree-shake: @aws-sdk/client-sagemaker's CommonJS index
    // defines the schema of every SageMaker operation at load, for the handful the operator calls (idle heap 21.0 ->
    // 13.2 MiB, bundle 2.2 -> 1.8 MiB; docs/benchmarks/README.md).
    mainFields: ["module", "main"],
    legalComments: "none",
    // ASCII keeps every source string one byte per character in V8's heap.
    charset: "ascii",
    // The CommonJS dependencies (the AWS SDK's, pino's) call require(); an ES module has none of its own.
    banner: { js: "import{createRequire as __req}from'node:module';const require=__req(import.meta.url);" },
    plugins: [clientNodeModelsArePure, withoutUndici, builtinsAsRequire],
    logLevel: "warning",
  });
}

/** Type errors fail the build, as `tsc -p tsconfig.build.json` did when it also emitted. */
function typecheck(): void {
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--noEmit"], {
    cwd: root,
    stdio: "inherit",
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--outDir");
  const outDir = resolve(root, at >= 0 ? (args[at + 1] ?? "dist") : "dist");
  if (!args.includes("--no-check")) typecheck();
  await buildCli(outDir);
}
