/**
 * `export --domain d-xxx [--namespace NS] [-o DIR]`: one SageMakerUserProfile per existing profile in the domain,
 * declaring what is set on it (server defaults left out), ready to commit: applied, it adopts the profile with no drift.
 * AWS region, endpoint and credentials come from the standard environment.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { stringify } from "yaml";

interface ExportFlags {
  domain: string;
  namespace: string;
  output?: string;
  region?: string;
}

export function register(program: Command): void {
  program
    .command("export")
    .description("write a SageMakerUserProfile for every existing profile of a domain (migration into Git)")
    .requiredOption("--domain <id>", "SageMaker domain id (d-xxxxxxxxxxxx)")
    .option("--namespace <ns>", "namespace of the written resources", "default")
    .option("-o, --output <dir>", "write one <name>.yaml per profile into this directory (default: stdout)")
    .option("--region <region>", "AWS region (default: $AWS_REGION)")
    .action(async (flags: ExportFlags) => {
      const { exportProfile } = await import("../../api/export.js");
      const { validateProfile } = await import("../../api/validation.js");
      const { SageMakerGateway } = await import("../../sagemaker/index.js");
      const region = flags.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
      if (!region) throw new Error("no AWS region: set --region or AWS_REGION");
      const gateway = new SageMakerGateway({ region, rps: 5, burst: 5, concurrency: 4 });
      try {
        const domainGroups = await gateway.domainSecurityGroups(flags.domain);
        const docs: string[] = [];
        let n = 0;
        for await (const page of gateway.listUserProfiles(flags.domain)) {
          for (const p of page) {
            const observed = await gateway.describeUserProfile(flags.domain, p.UserProfileName ?? "");
            if (!observed) continue; // deleted meanwhile
            const tags = observed.UserProfileArn ? await gateway.listTags(observed.UserProfileArn) : [];
            const resource = exportProfile(observed, {
              namespace: flags.namespace,
              domainSecurityGroups: domainGroups,
              tags,
            });
            const problems = validateProfile(resource);
            if (problems.length)
              throw new Error(
                `${p.UserProfileName}: the exported resource is not valid: ${problems.map((x) => `${x.path}: ${x.message}`).join("; ")}`,
              );
            const yaml = `# Exported from ${flags.domain}/${p.UserProfileName}\n${stringify(resource)}`;
            if (flags.output) {
              mkdirSync(flags.output, { recursive: true });
              writeFileSync(join(flags.output, `${resource.metadata.name}.yaml`), yaml);
            } else docs.push(yaml);
            n++;
            process.stderr.write(`exported ${p.UserProfileName} (${n})\n`);
          }
        }
        if (!flags.output) process.stdout.write(docs.join("---\n"));
        process.stderr.write(
          `${n} profiles exported from ${flags.domain}${flags.output ? ` to ${flags.output}` : ""}\n`,
        );
      } finally {
        gateway.destroy();
      }
    });
}
