/** `emulator` command: starts, prints where it listens, serves the SDK, stops on SIGTERM. */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { CreateUserProfileCommand, DescribeUserProfileCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { expect, it } from "vitest";
import { LOCAL_STACK_CLI } from "../../cli/run-cli.js";

it("runs the emulator with pre-created domains until SIGTERM", async () => {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      LOCAL_STACK_CLI,
      "emulator",
      "--port",
      "0",
      "--domain",
      "d-cli000001",
      "--create-delay-ms",
      "60000",
      "--mode",
      "describeExecutionRole=own",
      "--mode",
      "updateSemantics=merge-nested",
    ],
    { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] },
  );
  try {
    const lines = createInterface({ input: child.stdout });
    let endpoint: string | undefined;
    for await (const line of lines) {
      const m = /^export AWS_ENDPOINT_URL_SAGEMAKER=(http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (m) {
        endpoint = m[1];
        break;
      }
    }
    expect(endpoint).toBeDefined();
    const modes = (await (await fetch(`${endpoint}/_admin/modes`)).json()) as Record<string, string>;
    expect(modes).toMatchObject({ describeExecutionRole: "own", updateSemantics: "merge-nested" });
    const sm = new SageMakerClient({
      region: "us-east-1",
      endpoint,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    });
    await sm.send(new CreateUserProfileCommand({ DomainId: "d-cli000001", UserProfileName: "from-cli" }));
    const d = await sm.send(new DescribeUserProfileCommand({ DomainId: "d-cli000001", UserProfileName: "from-cli" }));
    expect(d.Status).toBe("Pending");
    sm.destroy();

    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const [code] = await exited;
    expect(code).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
});
