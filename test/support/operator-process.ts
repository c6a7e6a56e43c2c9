/**
 * The operator as a separate `run` process (as in a Pod), so tests can SIGKILL, SIGSTOP and SIGCONT it: the one way
 * the end-to-end, leader-election and chaos tests start operator processes. Each process
 * signs its SageMaker calls with its own access key id (its name), so the emulator's mutation log tells who wrote.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { LOCAL_CREDENTIALS, type LocalStack } from "@sagemaker-profile-operator/local-stack/stack";
import { repoRoot } from "../cli/run-cli.js";

export interface OperatorProcess {
  name: string;
  child: ChildProcess;
  /** Parsed JSON log lines (the last few thousand). */
  logs: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
  exitCode(): number | null | undefined;
  /** Resolves once the process logged "operator started" (and, with leader election off, runs its workers). */
  started: Promise<void>;
  /** The bound metrics and health ports, once started (with `--metrics-bind-address=127.0.0.1:0` and the like). */
  metricsPort?: number;
  healthPort?: number;
  kill(signal?: NodeJS.Signals): void;
}

export interface OperatorProcessOptions {
  name: string;
  leaderElection?: { leaseMs: number; renewDeadlineMs: number; retryPeriodMs: number };
  /** Extra `run` flags. */
  flags?: string[];
}

/**
 * These processes are started for crashes, leadership and chaos, not guardrails: no policy is set up, so the policy
 * requirement is switched off explicitly (a `--require-policy` in `flags` wins).
 */
const NO_POLICY_REQUIRED = "--require-policy=false";

const MAX_LOG_LINES = 5_000;

/** Flags that scale the operator's timing down to a test's (production shape, shorter periods). */
export const FAST_FLAGS = [
  "--cluster-id=chaos",
  "--poll-interval=300ms",
  "--in-use-backoff-base=500ms",
  "--in-use-backoff-max=5s",
  "--resync-period=30s",
  "--stalled-retry=30s",
  "--aws-rps=100",
  "--aws-burst=100",
  "--aws-mutating-rps=50",
  "--aws-mutating-burst=50",
  "--metrics-bind-address=0",
  "--health-probe-bind-address=0",
  "--shutdown-timeout=5s",
];

export function startOperatorProcess(stack: LocalStack, o: OperatorProcessOptions): OperatorProcess {
  const le = o.leaderElection;
  const args = [
    "--import",
    "tsx",
    "src/cli/main.ts",
    "run",
    ...FAST_FLAGS,
    ...(le
      ? [
          "--leader-elect",
          "--leader-election-namespace=default",
          `--lease-duration=${le.leaseMs}ms`,
          `--renew-deadline=${le.renewDeadlineMs}ms`,
          `--retry-period=${le.retryPeriodMs}ms`,
        ]
      : []),
    ...(o.flags?.some((f) => f.startsWith("--require-policy")) ? [] : [NO_POLICY_REQUIRED]),
    ...(o.flags ?? []),
    ...(process.env.CHAOS_LOG_LEVEL ? [`--log-level=${process.env.CHAOS_LOG_LEVEL}`] : []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: {
      ...process.env,
      KUBECONFIG: stack.kube.kubeconfigPath,
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_SAGEMAKER: stack.sagemaker.url,
      // The emulator answers STS on the same port (SageMakerAccount roles).
      AWS_ENDPOINT_URL_STS: stack.sagemaker.url,
      AWS_ACCESS_KEY_ID: o.name,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      POD_NAME: o.name,
      POD_NAMESPACE: "default",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (c, signal) => {
      code = c ?? (signal ? null : c);
      resolve(c);
    }),
  );
  const logs: Array<Record<string, unknown>> = [];
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const onLine = (line: string) => {
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      if (logs.length > MAX_LOG_LINES) logs.splice(0, logs.length - MAX_LOG_LINES);
      if (entry.msg === "operator started") {
        handle.metricsPort = entry.metrics as number | undefined;
        handle.healthPort = entry.health as number | undefined;
        markStarted();
      }
    } catch {
      logs.push({ msg: line });
    }
  };
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", onLine);
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", (line) => logs.push({ stderr: line }));
  const startedOrDied = Promise.race([
    started,
    exited.then((c) => {
      throw new Error(`${o.name} exited (${c}) before it started: ${JSON.stringify(logs.slice(-5))}`);
    }),
  ]);
  // A process killed before it started (a scenario's SIGKILL) is an error only to whoever waits for it.
  startedOrDied.catch(() => {});
  const handle: OperatorProcess = {
    name: o.name,
    child,
    logs,
    exited,
    exitCode: () => code,
    started: startedOrDied,
    kill(signal = "SIGKILL") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
  return handle;
}

/** Kills the process (SIGKILL unless told) and waits until it is gone. */
export async function stopProcess(p: OperatorProcess, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.kill(signal);
  await p.exited;
}
