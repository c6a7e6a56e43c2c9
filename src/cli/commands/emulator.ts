/** `emulator`: runs the local SageMaker emulator until SIGINT / SIGTERM. */
import { type Command, InvalidArgumentError, Option } from "commander";
import { type EmulatorOptions, startSageMakerEmulator } from "../../local/sagemaker/index.js";

interface EmulatorFlags {
  port: number;
  host: string;
  region: string;
  accountId: string;
  createDelayMs: number;
  updateDelayMs: number;
  deleteDelayMs: number;
  rps?: number;
  burst?: number;
  mutatingRps?: number;
  domain: string[];
  vpcOnly?: boolean;
  seed?: number;
}

const nonNegative = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError("expected a non-negative number");
  return n;
};
const collect = (value: string, previous: string[]): string[] => [...previous, value];

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
    .option("--rps <n>", "throttle all calls above this rate (ThrottlingException)", nonNegative)
    .option("--burst <n>", "token bucket size for --rps", nonNegative)
    .option("--mutating-rps <n>", "separate rate for Create/Update/Delete/AddTags/DeleteTags", nonNegative)
    .option("--domain <id>", "pre-create a domain with this id (repeatable)", collect, [])
    .addOption(new Option("--vpc-only", "pre-created domains are VpcOnly (they get a SageMaker-managed NFS group)"))
    .option("--seed <n>", "seed for fault rates and generated ids", nonNegative)
    .action(async (flags: EmulatorFlags) => {
      const options: EmulatorOptions = {
        port: flags.port,
        host: flags.host,
        region: flags.region,
        accountId: flags.accountId,
        delays: { createMs: flags.createDelayMs, updateMs: flags.updateDelayMs, deleteMs: flags.deleteDelayMs },
        ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
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
      console.log(`export AWS_ENDPOINT_URL_SAGEMAKER=${emulator.url}`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await emulator.close();
    });
}
