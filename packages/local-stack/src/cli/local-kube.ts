/** `local-kube`: runs the local Kubernetes API server (CRDs from crds/ registered) until SIGINT / SIGTERM. */
import { type Command, InvalidArgumentError } from "commander";
import { startLocalKube } from "../kube/index.js";

interface LocalKubeFlags {
  port: number;
  host: string;
  kubeconfig?: string;
  crdDir?: string;
  watchCacheSize: number;
  bookmarkIntervalMs: number;
  token?: string;
}

const nonNegativeInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a non-negative integer");
  return n;
};

export function register(program: Command): void {
  program
    .command("local-kube")
    .description("Run the local Kubernetes API server (for kubectl, the operator and tests); state is kept in memory")
    .option("--port <n>", "port to listen on (0 = any free port)", nonNegativeInt, 0)
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--kubeconfig <file>", "where to write the kubeconfig (default: a temporary file)")
    .option("--crd-dir <dir>", "directory of CRD manifests to register at start (default: <repo>/crds)")
    .option("--watch-cache-size <n>", "watch events kept per resource for resuming watches", nonNegativeInt, 10_000)
    .option("--bookmark-interval-ms <ms>", "interval of watch BOOKMARK events", nonNegativeInt, 10_000)
    .option("--token <token>", "require this bearer token (client-node sends it; kubectl sends none over http)")
    .action(async (flags: LocalKubeFlags) => {
      const kube = await startLocalKube({
        port: flags.port,
        host: flags.host,
        watchCacheSize: flags.watchCacheSize,
        bookmarkIntervalMs: flags.bookmarkIntervalMs,
        ...(flags.kubeconfig ? { kubeconfigPath: flags.kubeconfig } : {}),
        ...(flags.crdDir ? { crdDir: flags.crdDir } : {}),
        ...(flags.token ? { token: flags.token } : {}),
      });
      console.log(`Kubernetes API server listening on ${kube.url}`);
      console.log(`export KUBECONFIG=${kube.kubeconfigPath}`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await kube.close();
    });
}
