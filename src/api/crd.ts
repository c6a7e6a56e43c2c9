/** The envelope every CRD of this group shares (one served and stored version, status subresource, `sagemaker` category). */
import { GROUP, VERSION } from "./types.js";

export interface CrdParts {
  kind: string;
  plural: string;
  shortNames: string[];
  scope: "Namespaced" | "Cluster";
  printerColumns: { name: string; type: string; jsonPath: string }[];
  description: string;
  spec: object;
  status: object;
}

export function crdOf(p: CrdParts) {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${p.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: {
        kind: p.kind,
        listKind: `${p.kind}List`,
        plural: p.plural,
        singular: p.kind.toLowerCase(),
        shortNames: p.shortNames,
        categories: ["sagemaker"],
      },
      scope: p.scope,
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            ...p.printerColumns,
            { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
          ],
          schema: {
            openAPIV3Schema: {
              type: "object",
              description: p.description,
              required: ["spec"],
              properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { type: "object" },
                spec: p.spec,
                status: p.status,
              },
            },
          },
        },
      ],
    },
  };
}
