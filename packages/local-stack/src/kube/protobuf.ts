/**
 * Decoding of the Kubernetes protobuf wire format for the few built-in kinds whose bodies kubectl sends as protobuf
 * (`kubectl create namespace|configmap|secret|serviceaccount`): client-go uses protobuf for built-in types and does
 * not fall back to JSON on 415. Bodies are `k8s\0` + runtime.Unknown{typeMeta, raw}; raw is the typed message.
 * Only decoding, and only the fields these kinds have. Pure.
 */
import { badRequest } from "./errors.js";
import type { JsonObject } from "./meta.js";
import { timestamp } from "./meta.js";

export const PROTOBUF = "application/vnd.kubernetes.protobuf";
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type FieldType = "string" | "int" | "bool" | "bytes" | "time" | { message: Schema } | { map: "string" | "bytes" };
interface FieldDef {
  name: string;
  type: FieldType;
  repeated?: boolean;
}
type Schema = Record<number, FieldDef>;

const OWNER_REFERENCE: Schema = {
  1: { name: "kind", type: "string" },
  3: { name: "name", type: "string" },
  4: { name: "uid", type: "string" },
  5: { name: "apiVersion", type: "string" },
  6: { name: "controller", type: "bool" },
  7: { name: "blockOwnerDeletion", type: "bool" },
};

const OBJECT_META: Schema = {
  1: { name: "name", type: "string" },
  2: { name: "generateName", type: "string" },
  3: { name: "namespace", type: "string" },
  5: { name: "uid", type: "string" },
  6: { name: "resourceVersion", type: "string" },
  7: { name: "generation", type: "int" },
  8: { name: "creationTimestamp", type: "time" },
  9: { name: "deletionTimestamp", type: "time" },
  10: { name: "deletionGracePeriodSeconds", type: "int" },
  11: { name: "labels", type: { map: "string" } },
  12: { name: "annotations", type: { map: "string" } },
  13: { name: "ownerReferences", type: { message: OWNER_REFERENCE }, repeated: true },
  14: { name: "finalizers", type: "string", repeated: true },
};

const OBJECT_REFERENCE: Schema = {
  1: { name: "kind", type: "string" },
  2: { name: "namespace", type: "string" },
  3: { name: "name", type: "string" },
  4: { name: "uid", type: "string" },
  5: { name: "apiVersion", type: "string" },
};

const meta = { name: "metadata", type: { message: OBJECT_META } } as const;

/** Typed messages by `apiVersion/kind`. */
const KINDS: Record<string, Schema> = {
  "v1/Namespace": {
    1: meta,
    2: { name: "spec", type: { message: { 1: { name: "finalizers", type: "string", repeated: true } } } },
    3: { name: "status", type: { message: { 1: { name: "phase", type: "string" } } } },
  },
  "v1/ConfigMap": {
    1: meta,
    2: { name: "data", type: { map: "string" } },
    3: { name: "binaryData", type: { map: "bytes" } },
    4: { name: "immutable", type: "bool" },
  },
  "v1/Secret": {
    1: meta,
    2: { name: "data", type: { map: "bytes" } },
    3: { name: "type", type: "string" },
    4: { name: "stringData", type: { map: "string" } },
    5: { name: "immutable", type: "bool" },
  },
  "v1/ServiceAccount": {
    1: meta,
    2: { name: "secrets", type: { message: OBJECT_REFERENCE }, repeated: true },
    3: { name: "imagePullSecrets", type: { message: { 1: { name: "name", type: "string" } } }, repeated: true },
    4: { name: "automountServiceAccountToken", type: "bool" },
  },
};

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw badRequest("truncated protobuf body");
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }

  bytes(): Buffer {
    const len = Number(this.varint());
    const out = this.buf.subarray(this.pos, this.pos + len);
    if (out.length !== len) throw badRequest("truncated protobuf body");
    this.pos += len;
    return out;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 2) this.bytes();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 5) this.pos += 4;
    else throw badRequest(`unsupported protobuf wire type ${wireType}`);
  }
}

function decodeMessage(buf: Buffer, schema: Schema): JsonObject {
  const r = new Reader(buf);
  const out: JsonObject = {};
  while (!r.done()) {
    const key = Number(r.varint());
    const field = key >>> 3;
    const wire = key & 7;
    const def = schema[field];
    if (!def) {
      r.skip(wire);
      continue;
    }
    const value = decodeField(r, def.type, wire);
    if (typeof def.type === "object" && "map" in def.type) {
      const [k, v] = value as [string, unknown];
      const m = (out[def.name] as JsonObject | undefined) ?? {};
      m[k] = v;
      out[def.name] = m;
    } else if (def.repeated) {
      out[def.name] = [...((out[def.name] as unknown[] | undefined) ?? []), value];
    } else out[def.name] = value;
  }
  return out;
}

function decodeField(r: Reader, type: FieldType, wire: number): unknown {
  if (type === "int") return Number(BigInt.asIntN(64, r.varint()));
  if (type === "bool") return r.varint() !== 0n;
  if (wire !== 2) throw badRequest("unexpected protobuf wire type");
  const buf = r.bytes();
  if (type === "string") return buf.toString("utf8");
  if (type === "bytes") return buf.toString("base64");
  if (type === "time") {
    const t = decodeMessage(buf, { 1: { name: "seconds", type: "int" }, 2: { name: "nanos", type: "int" } });
    return timestamp(new Date(Number(t.seconds ?? 0) * 1000));
  }
  if ("message" in type) return decodeMessage(buf, type.message);
  const entry = decodeMessage(buf, { 1: { name: "k", type: "string" }, 2: { name: "v", type: type.map } });
  return [entry.k ?? "", entry.v ?? ""];
}

/** Decodes a protobuf request body into the JSON object it stands for. */
export function decodeProtobufObject(body: Buffer): JsonObject {
  if (!body.subarray(0, 4).equals(MAGIC)) throw badRequest("protobuf body without the k8s magic prefix");
  const unknown = decodeMessage(body.subarray(4), {
    1: {
      name: "typeMeta",
      type: { message: { 1: { name: "apiVersion", type: "string" }, 2: { name: "kind", type: "string" } } },
    },
    2: { name: "raw", type: "bytes" },
  });
  const typeMeta = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const schema = KINDS[`${typeMeta.apiVersion}/${typeMeta.kind}`];
  if (!schema) throw badRequest(`protobuf is not supported for ${typeMeta.apiVersion}/${typeMeta.kind}; send JSON`);
  const obj = decodeMessage(Buffer.from(String(unknown.raw ?? ""), "base64"), schema);
  return { apiVersion: typeMeta.apiVersion, kind: typeMeta.kind, ...obj };
}
