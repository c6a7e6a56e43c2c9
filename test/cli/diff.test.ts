import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  SageMakerClient,
  UpdateUserProfileCommand,
  type UpdateUserProfileCommandInput,
} from "@aws-sdk/client-sagemaker";
import { type AdminProfileSpec, startSageMakerEmulator } from "@sagemaker-profile-operator/local-stack/sagemaker";
import { describe, expect, it } from "vitest";
import type { SageMakerUserProfile } from "../../src/api/types.js";
import { checkSameProfile, DiffInputError, parseObserved } from "../../src/cli/commands/diff.js";
import { CLI_TEST_TIMEOUT, lines, repoRoot, runCli } from "./run-cli.js";

const alice = "examples/data-scientist-basic.yaml";
const inSync = "examples/observed/alice-in-sync.json";
const drifted = "examples/observed/alice-drifted.json";
const withDomainGroups = "examples/observed/alice-domain-groups.json";
const tmp = mkdtempSync(join(tmpdir(), "diff-"));
const tmpFile = (name: string, text: string) => {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
};
// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for ANSI escapes
const ANSI = /\u001b\[/;

describe("diff: exit codes", { timeout: CLI_TEST_TIMEOUT }, () => {
  it("exits 0 and says so when the profile matches the manifest", async () => {
    const r = await runCli(["diff", "-f", alice, "--observed", inSync]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toBe("No drift: team-a/alice (profile alice in d-demo00000001) matches the manifest.\n");
  });

  it("exits 1 with the validate lines when the manifest is invalid", async () => {
    const bad = "test/corpus/invalid/too-many-security-groups.yaml";
    const r = await runCli(["diff", "-f", bad, "--observed", inSync]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(lines(r.stderr)).toContain(
      `${bad}#1 (team-a/corpus): .spec.userSettings.securityGroups: Too many: 6: must have at most 5 items`,
    );
  });

  it("exits 1 on more than one profile, an unreadable manifest or observed JSON that does not parse", async () => {
    const two = tmpFile(
      "two.yaml",
      `${readFileSync(join(repoRoot, alice), "utf8")}---\n${readFileSync(join(repoRoot, "examples/rstudio-user.yaml"), "utf8")}`,
    );
    const cases: [string[], RegExp][] = [
      [["-f", two, "--observed", inSync], /expected exactly one SageMakerUserProfile, found 2/],
      [["-f", "no/such.yaml", "--observed", inSync], /no\/such\.yaml: cannot read manifest/],
      [["-f", alice, "--observed", tmpFile("bad.json", "{ not json")], /bad\.json: not valid JSON/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(["diff", ...args]);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(message);
    }
  });
});

describe("diff: reading the observed profile", () => {
  const resource = { metadata: { name: "alice" }, spec: { domainId: "d-demo00000001" } } as SageMakerUserProfile;

  it("accepts ISO and epoch-second timestamps and drops SDK metadata", () => {
    const observed = parseObserved(
      JSON.stringify({
        $metadata: { httpStatusCode: 200 },
        CreationTime: 1740931511.12,
        LastModifiedTime: "2025-03-14T09:26:53.589000+00:00",
      }),
      "o.json",
    );
    expect(observed).toEqual({
      CreationTime: new Date(1740931511120),
      LastModifiedTime: new Date("2025-03-14T09:26:53.589Z"),
    });
  });

  it("refuses what is not a DescribeUserProfile response", () => {
    const cases: [string, RegExp][] = [
      ["[]", /^o\.json: expected a DescribeUserProfile response/],
      ['{"CreationTime":"yesterday"}', /^o\.json: CreationTime: not a timestamp: "yesterday"$/],
      ['{"UserSettings":{"SecurityGroups":"sg-1"}}', /^o\.json: UserSettings\.SecurityGroups: must be a list$/],
      ["{ not json", /^o\.json: not valid JSON/],
    ];
    for (const [text, message] of cases) expect(() => parseObserved(text, "o.json"), text).toThrow(message);
  });

  it("tolerates members and enum values a newer API may add", () => {
    expect(() => parseObserved('{"Status":"Migrating","NewThing":{"A":1}}', "o.json")).not.toThrow();
  });

  it("refuses a description of another profile or domain", () => {
    expect(() => checkSameProfile(resource, "alice", { UserProfileName: "bob" }, "o.json")).toThrow(
      "o.json: describes profile bob, but the manifest declares alice",
    );
    expect(() => checkSameProfile(resource, "alice", { DomainId: "d-other0000001" }, "o.json")).toThrow(DiffInputError);
    expect(() =>
      checkSameProfile(resource, "alice", { DomainId: "d-demo00000001", UserProfileName: "alice" }, "o.json"),
    ).not.toThrow();
  });

  it("takes a description of the same name in another case as the same profile (names are not case sensitive)", () => {
    expect(() => checkSameProfile(resource, "Alice", { UserProfileName: "alice" }, "o.json")).not.toThrow();
  });
});

describe("diff -o json", { timeout: CLI_TEST_TIMEOUT }, () => {
  it("prints exactly one object: the RFC 6902 drift and the UpdateUserProfile input", async () => {
    const r = await runCli(["diff", "-f", alice, "--observed", drifted, "-o", "json"]);
    expect(r.code).toBe(2);
    const body = JSON.parse(r.stdout) as {
      drift: { op: string; path: string }[];
      updateRequest: Record<string, unknown>;
    };
    expect(Object.keys(body).sort()).toEqual(["drift", "dropped", "updateRequest"]);
    expect(body.drift.length).toBeGreaterThan(0);
    for (const op of body.drift) {
      expect(["add", "remove", "replace"]).toContain(op.op);
      expect(op.path).toMatch(/^\/userSettings\//);
    }
    expect(body.drift.map((o) => o.path)).toEqual(
      expect.arrayContaining(["/userSettings/sharingSettings/notebookOutputOption"]),
    );
    expect(body.updateRequest).toEqual({
      DomainId: "d-demo00000001",
      UserProfileName: "alice",
      UserSettings: {
        SecurityGroups: ["sg-0a1b2c3d4e5f60001"],
        SharingSettings: {
          NotebookOutputOption: "Allowed",
          S3OutputPath: "s3://team-a-studio-sharing/alice/",
          S3KmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        },
      },
    });
  });

  it("prints no drift and a null request when in sync", async () => {
    const r = await runCli(["diff", "-f", alice, "--observed", inSync, "-o", "json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ drift: [], updateRequest: null, dropped: [] });
  });

  it("does not count the domain's default security groups as drift when told them", async () => {
    const without = await runCli(["diff", "-f", alice, "--observed", withDomainGroups, "-o", "json"]);
    expect(without.code).toBe(2);
    const r = await runCli([
      "diff",
      "-f",
      alice,
      "--observed",
      withDomainGroups,
      "--domain-security-groups",
      "sg-0d0d0d0d0d0d0d0d1",
      "-o",
      "json",
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ drift: [], updateRequest: null, dropped: [] });
  });
});

describe("diff: readable output", { timeout: CLI_TEST_TIMEOUT }, () => {
  it("exits 2 and shows one line per change, set differences as items, a summary and the blocks to send", async () => {
    const r = await runCli(["diff", "-f", alice, "--observed", drifted]); // epoch-second timestamps in this one
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("");
    expect(r.stdout).not.toMatch(ANSI);
    const out = lines(r.stdout);
    expect(out[0]).toBe("Drift: team-a/alice (profile alice in d-demo00000001)");
    expect(out.slice(1, 5)).toEqual([
      "+ securityGroups: sg-0a1b2c3d4e5f60001",
      "- securityGroups: sg-0a1b2c3d4e5f6ffff",
      "~ sharingSettings.notebookOutputOption: Disabled -> Allowed",
      "2 fields drifted in 2 blocks: securityGroups, sharingSettings",
    ]);
    const sendAt = out.indexOf("UpdateUserProfile would send:");
    expect(sendAt).toBeGreaterThan(0);
    expect(JSON.parse(out.slice(sendAt + 1).join("\n"))).toMatchObject({
      UserSettings: { SecurityGroups: ["sg-0a1b2c3d4e5f60001"], SharingSettings: { NotebookOutputOption: "Allowed" } },
    });
  });

  it("marks fields SageMaker lacks with +, and says an Observe profile is only reported", async () => {
    const observed = JSON.parse(readFileSync(join(repoRoot, inSync), "utf8"));
    delete observed.UserSettings.SharingSettings.S3KmsKeyId;
    const manifest = readFileSync(join(repoRoot, alice), "utf8").replace(
      "spec:\n",
      "spec:\n  managementPolicy: Observe\n",
    );
    const r = await runCli([
      "diff",
      "-f",
      tmpFile("observe.yaml", manifest),
      "--observed",
      tmpFile("nokms.json", JSON.stringify(observed)),
    ]);
    expect(r.code).toBe(2);
    const out = lines(r.stdout);
    expect(out).toContain(
      "+ sharingSettings.s3KmsKeyId: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    );
    expect(out).toContain("1 field drifted in 1 block: sharingSettings");
    expect(out).toContain("managementPolicy is Observe: the operator reports this drift and changes nothing.");
    expect(out).toContain("UpdateUserProfile (not sent):");
  });

  const hasScript = spawnSync("script", ["--version"]).status === 0;
  it.skipIf(!hasScript)("is coloured on a terminal unless NO_COLOR is set", () => {
    const command = `${JSON.stringify(process.execPath)} --import tsx src/cli/main.ts diff -f ${alice} --observed ${drifted}`;
    const onTerminal = (env: NodeJS.ProcessEnv) => {
      try {
        return execFileSync("script", ["-qec", command, "/dev/null"], {
          cwd: repoRoot,
          env,
          encoding: "utf8",
          timeout: 100_000,
        });
      } catch (e) {
        return String((e as { stdout?: string }).stdout); // exit status 2 (drift) is the expected outcome
      }
    };
    expect(onTerminal({ ...process.env, NO_COLOR: "" })).toMatch(ANSI);
    expect(onTerminal({ ...process.env, NO_COLOR: "1" })).not.toMatch(ANSI);
  });
});

describe("diff: members SageMaker checks together", { timeout: CLI_TEST_TIMEOUT }, () => {
  const IMG = (n: string) => `arn:aws:sagemaker:us-east-1:123456789012:image/${n}`;
  const VER = (n: string, v: number) => `arn:aws:sagemaker:us-east-1:123456789012:image-version/${n}/${v}`;
  const manifest = tmpFile(
    "carol.yaml",
    `apiVersion: sagemaker.gitops.io/v1alpha1
kind: SageMakerUserProfile
metadata:
  name: carol
  namespace: team-b
spec:
  domainId: d-demo00000001
  userSettings:
    rStudioServerProAppSettings:
      accessStatus: DISABLED
    kernelGatewayAppSettings:
      defaultResourceSpec:
        sageMakerImageArn: ${IMG("team-b-r-new")}
`,
  );
  const observedSettings = {
    RStudioServerProAppSettings: { AccessStatus: "ENABLED", UserGroup: "R_STUDIO_ADMIN" },
    KernelGatewayAppSettings: {
      DefaultResourceSpec: {
        InstanceType: "ml.t3.medium",
        SageMakerImageArn: IMG("team-b-r-old"),
        SageMakerImageVersionArn: VER("team-b-r-old", 3),
      },
    },
  };
  const observed = tmpFile(
    "carol.json",
    JSON.stringify({ DomainId: "d-demo00000001", UserProfileName: "carol", UserSettings: observedSettings }),
  );

  it("-o json: the request leaves out the stale members, says which and why, and the emulator accepts it", async () => {
    const r = await runCli(["diff", "-f", manifest, "--observed", observed, "-o", "json"]);
    expect(r.code).toBe(2);
    const body = JSON.parse(r.stdout) as {
      updateRequest: UpdateUserProfileCommandInput;
      dropped: { path: string; observed: unknown; sent?: string; group: string; reason: string }[];
    };
    expect(body.updateRequest.UserSettings).toEqual({
      KernelGatewayAppSettings: {
        DefaultResourceSpec: {
          InstanceType: "ml.t3.medium",
          SageMakerImageArn: IMG("team-b-r-new"),
          SageMakerImageVersionArn: "None",
        },
      },
      RStudioServerProAppSettings: { AccessStatus: "DISABLED" },
    });
    expect(body.dropped).toEqual([
      {
        path: "/userSettings/kernelGatewayAppSettings/defaultResourceSpec/sageMakerImageVersionArn",
        observed: VER("team-b-r-old", 3),
        sent: "None",
        group: "resource-spec-image",
        reason: expect.stringMatching(/previous image/),
      },
      {
        path: "/userSettings/rStudioServerProAppSettings/userGroup",
        observed: "R_STUDIO_ADMIN",
        group: "rstudio-access",
        reason: expect.stringMatching(/AccessStatus is ENABLED/),
      },
    ]);

    // Against the emulator's checks: the request diff shows is accepted; the observed block laid over is refused.
    const emu = await startSageMakerEmulator({ seed: 1 });
    try {
      emu.admin.createDomain({ domainId: "d-demo00000001" });
      emu.admin.createProfile("d-demo00000001", "carol", {
        userSettings: observedSettings as AdminProfileSpec["userSettings"],
      });
      const sm = new SageMakerClient({
        region: "us-east-1",
        endpoint: emu.url,
        credentials: { accessKeyId: "test", secretAccessKey: "test" },
        maxAttempts: 1,
      });
      const naive = sm.send(
        new UpdateUserProfileCommand({
          DomainId: "d-demo00000001",
          UserProfileName: "carol",
          UserSettings: { RStudioServerProAppSettings: { AccessStatus: "DISABLED", UserGroup: "R_STUDIO_ADMIN" } },
        }),
      );
      await expect(naive).rejects.toThrow(/Make sure AccessStatus is set to ENABLED/);
      await sm.send(new UpdateUserProfileCommand(body.updateRequest));
      expect(emu.store.getProfile("d-demo00000001", "carol")?.userSettings).toEqual({
        RStudioServerProAppSettings: { AccessStatus: "DISABLED" },
        KernelGatewayAppSettings: {
          DefaultResourceSpec: { InstanceType: "ml.t3.medium", SageMakerImageArn: IMG("team-b-r-new") },
        },
      });
    } finally {
      await emu.close();
    }
  });

  it("text: lists the members left out under the request", async () => {
    const r = await runCli(["diff", "-f", manifest, "--observed", observed]);
    expect(r.code).toBe(2);
    const out = lines(r.stdout);
    const at = out.indexOf("Observed members left out, because SageMaker checks them together with the declared ones:");
    expect(at).toBeGreaterThan(0);
    expect(out[at + 1]).toMatch(
      /^ {2}~ kernelGatewayAppSettings\.defaultResourceSpec\.sageMakerImageVersionArn: .*team-b-r-old\/3 -> None \(/,
    );
    expect(out[at + 2]).toMatch(/^ {2}- rStudioServerProAppSettings\.userGroup: R_STUDIO_ADMIN \(SageMaker refuses/);
  });
});

describe("diff --live and other accounts", { timeout: CLI_TEST_TIMEOUT }, () => {
  /** A manifest exported from the cluster: alice exists as `arn`. */
  const exported = (arn: string) =>
    tmpFile(
      "exported.yaml",
      [
        "apiVersion: sagemaker.gitops.io/v1alpha1",
        "kind: SageMakerUserProfile",
        "metadata: {name: alice, namespace: team-a}",
        "spec: {domainId: d-alphauseast1}",
        `status: {userProfileArn: "${arn}"}`,
      ].join("\n"),
    );
  const unreachable = {
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_SAGEMAKER: "http://127.0.0.1:9",
    AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9",
    AWS_ACCESS_KEY_ID: "x",
    AWS_SECRET_ACCESS_KEY: "y",
  };

  it("refuses a profile whose ARN is in another region (no call made) or another account (the environment's, from STS)", async () => {
    const otherRegion = "arn:aws:sagemaker:eu-west-1:123456789012:user-profile/d-alphauseast1/alice";
    const inRegion = await runCli(["diff", "--live", "-f", exported(otherRegion)], unreachable);
    expect(inRegion.code).toBe(1);
    expect(inRegion.stderr).toContain(
      `diff --live reads SageMaker with the environment's credentials in us-east-1; team-a/alice exists as ${otherRegion}: run it with that account's credentials`,
    );

    // The hub's identity (any key the emulator did not issue is a principal of 123456789012); alice is in a spoke,
    // and the hub has a domain of the same id, with no alice: compared, she would show as a create.
    const emu = await startSageMakerEmulator({ seed: 1 });
    try {
      emu.admin.createDomain({ domainId: "d-alphauseast1" });
      const spoke = "arn:aws:sagemaker:us-east-1:111111111111:user-profile/d-alphauseast1/alice";
      const env = { ...unreachable, AWS_ENDPOINT_URL_SAGEMAKER: emu.url, AWS_ENDPOINT_URL_STS: emu.url };
      const r = await runCli(["diff", "--live", "-f", exported(spoke)], env);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        `diff --live reads SageMaker with the environment's credentials (account 123456789012) in us-east-1; team-a/alice exists as ${spoke}: run it`,
      );
      expect(emu.calls()).not.toHaveProperty("DescribeUserProfile");
      // In the environment's own account, it is compared (and, missing there, would be created).
      const own = await runCli(["diff", "--live", "-f", exported(spoke.replace("111111111111", "123456789012"))], env);
      expect([own.code, own.stderr]).toEqual([2, ""]);
    } finally {
      await emu.close();
    }
  });

  it("with an ARN in its region and STS out of reach, says it cannot know the environment's account", async () => {
    const arn = "arn:aws:sagemaker:us-east-1:123456789012:user-profile/d-alphauseast1/alice";
    const r = await runCli(["diff", "--live", "-f", exported(arn)], unreachable);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /a profile's status\.userProfileArn names its account, and the environment's account is not known: STS GetCallerIdentity failed \(.*ECONNREFUSED/,
    );
  });

  it("takes the environment's account from --aws-account-id without asking STS, and refuses a malformed one", async () => {
    const spoke = "arn:aws:sagemaker:us-east-1:111111111111:user-profile/d-alphauseast1/alice";
    const r = await runCli(["diff", "--live", "--aws-account-id", "123456789012", "-f", exported(spoke)], unreachable);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `diff --live reads SageMaker with the environment's credentials (account 123456789012) in us-east-1; team-a/alice exists as ${spoke}: run it`,
    );
    const bad = await runCli(["diff", "--live", "--aws-account-id", "12345", "-f", exported(spoke)], unreachable);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--aws-account-id must be an AWS account id (12 digits), got "12345"');
  });

  it("refuses a profile of a SageMakerAccount or another region rather than compare it with the wrong account", async () => {
    const file = tmpFile(
      "elsewhere.yaml",
      [
        "apiVersion: sagemaker.gitops.io/v1alpha1",
        "kind: SageMakerUserProfile",
        "metadata: {name: rita, namespace: research}",
        "spec: {domainId: d-research0001, accountRef: {name: research}, region: eu-west-1}",
      ].join("\n"),
    );
    const r = await runCli(["diff", "--live", "-f", file], {
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_SAGEMAKER: "http://127.0.0.1:9",
      AWS_ACCESS_KEY_ID: "x",
      AWS_SECRET_ACCESS_KEY: "y",
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "research/rita names SageMakerAccount research and region eu-west-1: run it with that account's credentials and AWS_REGION",
    );
  });
});
