/** `emulator`: runs the local SageMaker emulator until SIGINT / SIGTERM. */
import { type Command, InvalidArgumentError, Option } from "commander";
import { type EmulatorModes, type EmulatorOptions, MODE_VALUES, startSageMakerEmulator } from "../sagemaker/index.js";

interface EmulatorFlags {
  port: number;
  host: string;
  region: string;
  accountId: string;
  createDelayMs: number;
  updateDelayMs: number;
  deleteDelayMs: number;
  appStartDelayMs: number;
  appDeleteDelayMs: number;
  rps?: number;
  burst?: number;
  mutatingRps?: number;
  domain: string[];
  vpcOnly?: boolean;
  seed?: number;
  mode: Partial<EmulatorModes>;
}

const nonNegative = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError("expected a non-negative number");
  return n;
};
const collect = (value: string, previous: string[]): string[] => [...previous, value];
/** `name=value`, one of MODE_VALUES; repeatable. */
const mode = (value: string, previous: Partial<EmulatorModes>): Partial<EmulatorModes> => {
  const [name = "", v = ""] = value.split("=", 2);
  const allowed = (MODE_VALUES as Record<string, readonly string[]>)[name];
  if (!allowed) throw new InvalidArgumentError(`unknown mode ${name}; known: ${Object.keys(MODE_VALUES).join(", ")}`);
  if (!allowed.includes(v)) throw new InvalidArgumentError(`${name} is one of: ${allowed.join(", ")}`);
  return { ...previous, [name]: v };
};

export function register(program: Command): void {
  program
    .command("emulator")
    .description("Run the local SageMaker emulator (AWS JSON 1.1 on POST /, admin API under /_admin/)")
    .option("--port <n>", "port to listen on (0 = any free port)", nonNegative, 0)
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--region <region>", "region in ARNs", "us-east-1")
    .option("--account-id <id>", "account in ARNs", "123456789012")
    .option("--create-delay-ms <ms>", "Pending -> InService delay", nonNegative, 0)
    .option("--update-delay-ms <ms>", "Updating -> InService delay", nonNegative, 0)
    .option("--delete-delay-ms <ms>", "Deleting -> gone delay", nonNegative, 0)
    .option("--app-start-delay-ms <ms>", "app Pending -> InService delay", nonNegative, 0)
    .option("--app-delete-delay-ms <ms>", "app Deleting -> Deleted delay", nonNegative, 0)
    .option("--rps <n>", "throttle all calls above this rate (ThrottlingException)", nonNegative)
    .option("--burst <n>", "token bucket size for --rps", nonNegative)
    .option("--mutating-rps <n>", "separate rate for Create/Update/Delete/AddTags/DeleteTags", nonNegative)
    .option("--domain <id>", "pre-create a domain with this id (repeatable)", collect, [])
    .addOption(new Option("--vpc-only", "pre-created domains are VpcOnly (they get a SageMaker-managed NFS group)"))
    .option("--seed <n>", "seed for fault rates and generated ids", nonNegative)
    .option(
      "--mode <name=value>",
      "answer an undocumented behaviour this way, e.g. updateSemantics=merge-nested (repeatable; see docs/fidelity.md)",
      mode,
      {},
    )
    .action(async (flags: EmulatorFlags) => {
      const options: EmulatorOptions = {
        port: flags.port,
        host: flags.host,
        region: flags.region,
        accountId: flags.accountId,
        delays: {
          createMs: flags.createDelayMs,
          updateMs: flags.updateDelayMs,
          deleteMs: flags.deleteDelayMs,
          appStartMs: flags.appStartDelayMs,
          appDeleteMs: flags.appDeleteDelayMs,
        },
        ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
        modes: flags.mode,
      };
      if (flags.rps !== undefined || flags.mutatingRps !== undefined)
        options.throttle = {
          rps: flags.rps ?? Number.POSITIVE_INFINITY,
          ...(flags.burst !== undefined ? { burst: flags.burst } : {}),
          ...(flags.mutatingRps !== undefined ? { mutatingRps: flags.mutatingRps } : {}),
        };
      const emulator = await startSageMakerEmulator(options);
      for (const domainId of flags.domain)
        emulator.admin.createDomain({ domainId, ...(flags.vpcOnly ? { appNetworkAccessType: "VpcOnly" } : {}) });
      console.log(`SageMaker emulator listening on ${emulator.url}`);
      if (flags.domain.length > 0) console.log(`domains: ${flags.domain.join(", ")}`);
      if (Object.keys(flags.mode).length > 0)
        console.log(
          `modes: ${Object.entries(flags.mode)
            .map(([k, v]) => `${k}=${v}`)
            .join(", ")}`,
        );
      console.log(`export AWS_ENDPOINT_URL_SAGEMAKER=${emulator.url}`);
      // The operator asks STS whose its credentials are (GetCallerIdentity); the emulator answers STS on this port.
      console.log(`export AWS_ENDPOINT_URL_STS=${emulator.url}`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await emulator.close();
    });
}
