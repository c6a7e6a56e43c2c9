/**
 * Manifest validation the way the Kubernetes API server does it for this CRD: the generated openAPIV3Schema checked
 * by the engine the local API server uses (`schema/structural-schema.ts`: defaults, ajv, list types, the CEL rules
 * that need no old object), strict field validation (unknown fields are errors, as with `kubectl apply`), and
 * apiVersion/kind/metadata checks. Messages and paths follow the API server's, as `schema-problems.ts` words them
 * (`.spec.userSettings.securityGroups: Too many: 6: must have at most 5 items`).
 *
 * YAML is parsed as Kubernetes tooling does (YAML 1.1 booleans and octals, timestamps kept as strings), refusing
 * duplicate keys and alias bombs.
 */
import { readdirSync, readFileSync } from "node:fs";
import {
  type DocumentOptions,
  type ParseOptions,
  parseAllDocuments,
  parse as parseYaml,
  type SchemaOptions,
} from "yaml";
import { modelPatternTest } from "./model.js";
import { isObject as isPlainObject } from "./schema/json.js";
import type { SchemaNode } from "./schema/schema-node.js";
import { StructuralSchema } from "./schema/structural-schema.js";
import { type FieldProblem, jsonType, quote, schemaProblems } from "./schema-problems.js";
import { GROUP, KIND } from "./types.js";

export type { FieldProblem } from "./schema-problems.js";

export interface ManifestDocument {
  /** 1-based position in the YAML stream (empty documents count, so it matches the `---` separators). */
  index: number;
  name?: string;
  object: unknown;
  /** e.g. `file.yaml#2 (team-a/alice)`. */
  label: string;
}

export interface ManifestProblem {
  /** The document's label, or the file name for problems of the whole file. */
  document: string;
  path: string;
  message: string;
}

/** Alias expansions allowed per document; a "billion laughs" document fails on the first excess, before expanding. */
export const MAX_ALIAS_COUNT = 100;
export const NO_PROFILES_MESSAGE = `no ${KIND} documents`;
/** YAML errors reported per document; a hostile document can otherwise yield one per character. */
export const MAX_YAML_ERRORS = 5;

const CRDS_DIR = new URL("../../crds/", import.meta.url);

/** One of this project's kinds, as its CRD in crds/ declares it. */
interface OwnKind {
  apiVersions: string[];
  namespaced: boolean;
  /** The CRD's openAPIV3Schema of the first served version, compiled (on first use) by the local API server's engine. */
  schema: () => StructuralSchema;
}

let ownKindsCache: Map<string, OwnKind> | undefined;
/**
 * Every kind of this project's group, read from the CRDs in crds/ (SageMakerUserProfile, SageMakerProfilePolicy,
 * SageMakerAccount), so `validate` checks each document against its own CRD, as the API server would.
 */
function ownKinds(): Map<string, OwnKind> {
  if (ownKindsCache) return ownKindsCache;
  const kinds = new Map<string, OwnKind>();
  for (const file of readdirSync(CRDS_DIR)
    .filter((f) => f.startsWith(`${GROUP}_`) && f.endsWith(".yaml"))
    .sort()) {
    const crd = parseYaml(readFileSync(new URL(file, CRDS_DIR), "utf8")) as {
      spec: {
        names: { kind: string };
        scope: "Namespaced" | "Cluster";
        versions: { name: string; served: boolean; schema: { openAPIV3Schema: SchemaNode } }[];
      };
    };
    const served = crd.spec.versions.filter((v) => v.served);
    let compiled: StructuralSchema | undefined;
    const first = served[0];
    if (!first) throw new Error(`crds/${file} serves no version`);
    kinds.set(crd.spec.names.kind, {
      apiVersions: served.map((v) => `${GROUP}/${v.name}`),
      namespaced: crd.spec.scope === "Namespaced",
      schema: () => {
        compiled ??= new StructuralSchema(first.schema.openAPIV3Schema);
        return compiled;
      },
    });
  }
  if (!kinds.has(KIND)) throw new Error(`crds/ holds no CRD for ${KIND}`);
  ownKindsCache = kinds;
  return kinds;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation of one object

/** Kubernetes drops nulls of non-nullable fields before validating (this schema declares no nullable field). */
function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (isPlainObject(v))
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== null)
        .map(([k, x]) => [k, dropNulls(x)]),
    );
  return v;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const PROFILE_NAME_PATTERN = "[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}";

function checkMetadata(obj: Record<string, unknown>, kind: OwnKind): FieldProblem[] {
  const out: FieldProblem[] = [];
  const metadata = obj.metadata;
  if (metadata === undefined || metadata === null) return [{ path: ".metadata.name", message: "Required value" }];
  if (!isPlainObject(metadata)) return []; // the schema reports the type
  const { name, namespace } = metadata;
  if (name === undefined || name === null || name === "")
    out.push({ path: ".metadata.name", message: "Required value" });
  else if (typeof name !== "string")
    out.push({ path: ".metadata.name", message: `Invalid value: "${jsonType(name)}": must be of type string` });
  else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name))
    out.push({
      path: ".metadata.name",
      message: `Invalid value: ${quote(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    });
  else if (obj.kind === KIND) {
    const spec = obj.spec;
    const declared = isPlainObject(spec) ? spec.userProfileName : undefined;
    // metadata.name is the SageMaker profile name when the spec names none: SageMaker's rule applies to it then.
    if (declared === undefined && !modelPatternTest(PROFILE_NAME_PATTERN).test(name))
      out.push({
        path: ".metadata.name",
        message: `Invalid value: ${quote(name)}: used as the SageMaker profile name (spec.userProfileName is not set), should match '^(?:${PROFILE_NAME_PATTERN})$'`,
      });
  }
  // A cluster-scoped object's namespace is cleared by the API server (registry/rest BeforeCreate), not refused.
  if (kind.namespaced && namespace !== undefined && namespace !== null) {
    if (typeof namespace !== "string" || namespace.length > 63 || !DNS1123_LABEL.test(namespace))
      out.push({
        path: ".metadata.namespace",
        message: `Invalid value: ${quote(namespace)}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`,
      });
  }
  return out;
}

/** apiVersion and kind, and this project's kind they name (undefined when they name none: nothing else is checked). */
function checkTypeMeta(obj: Record<string, unknown>): { problems: FieldProblem[]; kind?: OwnKind } {
  const problems: FieldProblem[] = [];
  const kinds = ownKinds();
  const { apiVersion, kind } = obj;
  // Without a kind the document is read as a SageMakerUserProfile, the kind `validate` is mostly for.
  const own = kinds.get(kind === undefined || kind === null || kind === "" ? KIND : String(kind));
  const supported = (values: Iterable<string>) =>
    [...values]
      .sort()
      .map((v) => `"${v}"`)
      .join(", ");
  if (apiVersion === undefined || apiVersion === null || apiVersion === "")
    problems.push({ path: ".apiVersion", message: "Required value" });
  else if (own && !own.apiVersions.includes(String(apiVersion)))
    problems.push({
      path: ".apiVersion",
      message: `Unsupported value: ${quote(apiVersion)}: supported values: ${supported(own.apiVersions)}`,
    });
  if (kind === undefined || kind === null || kind === "") problems.push({ path: ".kind", message: "Required value" });
  else if (!own)
    problems.push({
      path: ".kind",
      message: `Unsupported value: ${quote(kind)}: supported values: ${supported(kinds.keys())}`,
    });
  return { problems, ...(own ? { kind: own } : {}) };
}

/**
 * Validates a SageMakerUserProfile object (or a SageMakerProfilePolicy or SageMakerAccount: each against its own
 * CRD) as the API server would on `kubectl apply` (strict field validation). Returns every problem, [] when valid.
 */
export function validateProfile(obj: unknown): FieldProblem[] {
  if (!isPlainObject(obj)) return [{ path: "", message: `Invalid value: "${jsonType(obj)}": must be of type object` }];
  const value = dropNulls(obj) as Record<string, unknown>;
  const typeMeta = checkTypeMeta(value);
  // A kind of our group that no CRD declares: the API server has no schema to check the rest against.
  if (!typeMeta.kind) return typeMeta.problems;
  const problems = [...typeMeta.problems, ...checkMetadata(value, typeMeta.kind)];
  problems.push(...schemaProblems(typeMeta.kind.schema(), value));
  const seen = new Set<string>();
  return problems.filter((p) => {
    const id = `${p.path}\u0000${p.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Manifests (multi-document YAML)

/** YAML as kubectl reads it (sigs.k8s.io/yaml: YAML 1.1 scalars, but timestamps and sexagesimals stay strings). */
const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: "1.1",
  uniqueKeys: true,
  prettyErrors: true,
  customTags: (tags) =>
    tags.filter((t) =>
      typeof t === "string"
        ? !["timestamp", "intTime", "floatTime"].includes(t)
        : t.tag !== "tag:yaml.org,2002:timestamp" && t.format !== "TIME",
    ),
};

function yamlErrorMessage(err: { message: string; linePos?: [{ line: number; col: number }, ...unknown[]] }): string {
  const first = err.message.split("\n")[0] ?? err.message;
  let base = first.replace(/ at line \d+, column \d+:?$/, "");
  // The parser survives a stack overflow and reports it as is: say what it means.
  if (/Maximum call stack size exceeded/.test(base))
    base = "YAML nests too deeply: refusing a possible nesting bomb (Maximum call stack size exceeded)";
  const pos = err.linePos?.[0];
  return pos ? `line ${pos.line}, column ${pos.col}: ${base}` : base;
}

function documentLabel(fileName: string, index: number, object: unknown): { label: string; name?: string } {
  const metadata = isPlainObject(object) && isPlainObject(object.metadata) ? object.metadata : undefined;
  const name = typeof metadata?.name === "string" ? metadata.name : undefined;
  const namespace = typeof metadata?.namespace === "string" ? metadata.namespace : undefined;
  const who = name === undefined ? "" : namespace === undefined ? ` (${name})` : ` (${namespace}/${name})`;
  return { label: `${fileName}#${index}${who}`, ...(name === undefined ? {} : { name }) };
}

/**
 * Parses a multi-document YAML text. Empty documents (a trailing `---`, comments only) are left out; a document
 * that does not parse, has duplicate keys or expands too many aliases becomes a problem with its line and column.
 */
export function parseManifests(
  text: string,
  fileName: string,
): { documents: ManifestDocument[]; problems: ManifestProblem[] } {
  const documents: ManifestDocument[] = [];
  const problems: ManifestProblem[] = [];
  let index = 0;
  for (const doc of parseAllDocuments(text, YAML_OPTIONS)) {
    index++;
    const at = `${fileName}#${index}`;
    if (doc.errors.length > 0) {
      for (const err of doc.errors.slice(0, MAX_YAML_ERRORS))
        problems.push({ document: at, path: "", message: yamlErrorMessage(err) });
      if (doc.errors.length > MAX_YAML_ERRORS)
        problems.push({
          document: at,
          path: "",
          message: `and ${doc.errors.length - MAX_YAML_ERRORS} more YAML errors in this document`,
        });
      continue;
    }
    if (doc.contents === null) continue;
    let object: unknown;
    try {
      object = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      const message =
        // The yaml library's words for maxAliasCount; other ReferenceErrors (an alias to no anchor) are reported as is.
        err instanceof ReferenceError && /excessive alias count/i.test(err.message)
          ? `YAML aliases expand too much (limit ${MAX_ALIAS_COUNT} per document): refusing a possible "billion laughs" document`
          : `cannot read YAML: ${err instanceof Error ? err.message : String(err)}`;
      problems.push({ document: at, path: "", message });
      continue;
    }
    if (object === null || object === undefined) continue;
    documents.push({ index, object, ...documentLabel(fileName, index, object) });
  }
  return { documents, problems };
}

/**
 * Whether a document is meant as a SageMakerUserProfile: its kind says so, or its apiVersion is in our group (a
 * misspelt kind), or it is not a Kubernetes object at all (so its problems are reported rather than skipped).
 */
export function isProfileDocument(object: unknown): boolean {
  if (!isPlainObject(object)) return true;
  const { apiVersion, kind } = object;
  if (kind === KIND) return true;
  if (typeof apiVersion === "string" && apiVersion.split("/")[0] === GROUP) return true;
  return (apiVersion === undefined || apiVersion === null) && (kind === undefined || kind === null);
}

/**
 * Parses and validates a manifest file's text. `documents` are the SageMakerUserProfile documents (and documents of
 * our group with an unknown kind, reported as problems), `related` this project's other kinds (SageMakerProfilePolicy,
 * SageMakerAccount: validated against their CRDs, not diffed), `skipped` the documents of other groups. A text with
 * no document at all is a problem (`no SageMakerUserProfile documents`).
 */
export function validateManifestText(
  text: string,
  fileName: string,
): {
  documents: ManifestDocument[];
  related: ManifestDocument[];
  skipped: ManifestDocument[];
  problems: ManifestProblem[];
} {
  const parsed = parseManifests(text, fileName);
  const documents: ManifestDocument[] = [];
  const related: ManifestDocument[] = [];
  const skipped: ManifestDocument[] = [];
  const problems = [...parsed.problems];
  for (const doc of parsed.documents) {
    if (!isProfileDocument(doc.object)) {
      skipped.push(doc);
      continue;
    }
    const kind = isPlainObject(doc.object) ? doc.object.kind : undefined;
    (kind !== KIND && typeof kind === "string" && ownKinds().has(kind) ? related : documents).push(doc);
    for (const p of validateProfile(doc.object)) problems.push({ document: doc.label, ...p });
  }
  if (parsed.documents.length === 0 && parsed.problems.length === 0)
    problems.push({ document: fileName, path: "", message: NO_PROFILES_MESSAGE });
  return { documents, related, skipped, problems };
}

/** `file.yaml#1 (team-a/alice): .spec.domainId: Required value`, the line the CLI prints for a problem. */
export const formatProblem = (p: ManifestProblem): string =>
  p.path ? `${p.document}: ${p.path}: ${p.message}` : `${p.document}: ${p.message}`;
