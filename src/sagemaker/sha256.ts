/**
 * The SHA-256 the SDK's SigV4 signer uses (the client's `sha256` option), on node:crypto like the SDK's default
 * (Sha256Node in @smithy/core/checksum), with three costs taken out of every call:
 * - an HMAC keyed by bytes (the signer's cached signing key: the same Uint8Array on every call of a day) gets a
 *   KeyObject made once per key: node:crypto's createHmac with a Buffer key spends most of its time preparing the
 *   key (about 4 times the HMAC itself, measured on Node 24), with a KeyObject or a string it does not;
 * - a plain hash of data given at once is node:crypto's one-shot `hash()`, without a Hash object and its copy;
 * - an HMAC keyed by a string with the same data as the last one of that key is answered from memory: SigV4 computes
 *   HMAC(secret access key, access key id) on every signature only to name its signing-key cache entry
 *   (@smithy/signature-v4 getSigningKey), 1.6 % of the operator's CPU (--cpu-prof, 3,000 profiles).
 */
import { createHash, createHmac, createSecretKey, hash, type KeyObject } from "node:crypto";

type SourceData = string | ArrayBuffer | ArrayBufferView;

/** One KeyObject per signing key the signer hands us; its key cache holds the Uint8Array, so they die together. */
const keyObjects = new WeakMap<object, KeyObject>();

function hmacKey(secret: SourceData): string | KeyObject {
  if (typeof secret === "string") return secret;
  let key = keyObjects.get(secret);
  if (!key) {
    key = createSecretKey(bytes(secret));
    keyObjects.set(secret, key);
  }
  return key;
}

/** Per string key (a secret access key, or SigV4's `AWS4` + secret), its last data and HMAC; a few credentials at most. */
const lastByStringKey = new Map<string, { data: Chunk; mac: Buffer }>();
const MAX_STRING_KEYS = 16;

const sameData = (a: Chunk, b: Chunk): boolean =>
  typeof a === "string" || typeof b === "string" ? a === b : Buffer.compare(a, b) === 0;

/** HMAC-SHA256 of one chunk under a string key, remembered per key (bounded: rotated credentials drop out). */
function stringKeyedHmac(key: string, data: Chunk): Buffer {
  const last = lastByStringKey.get(key);
  if (last && sameData(last.data, data)) return last.mac;
  const mac = createHmac("sha256", key).update(data).digest();
  if (lastByStringKey.size >= MAX_STRING_KEYS) lastByStringKey.clear();
  lastByStringKey.set(key, { data: typeof data === "string" ? data : Uint8Array.from(data), mac });
  return mac;
}

const bytes = (data: SourceData): Uint8Array =>
  typeof data === "string"
    ? Buffer.from(data, "utf8")
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** What a hash is given, as node:crypto takes it. */
type Chunk = string | Uint8Array;

const asInput = (data: SourceData): Chunk => (typeof data === "string" ? data : bytes(data));

/** The SDK's Checksum interface (@smithy/types): update, digest, reset; an HMAC when constructed with a secret. */
export class Sha256 {
  readonly digestLength = 32;
  private chunks: Chunk[] = [];

  constructor(private readonly secret?: SourceData) {}

  update(data: SourceData): void {
    this.chunks.push(asInput(data));
  }

  async digest(): Promise<Uint8Array> {
    let out: Buffer;
    if (typeof this.secret === "string" && this.chunks.length === 1) {
      // A copy: the caller owns what it is given.
      out = Buffer.from(stringKeyedHmac(this.secret, this.chunks[0] as Chunk));
    } else if (this.secret !== undefined) {
      const h = createHmac("sha256", hmacKey(this.secret));
      for (const c of this.chunks) h.update(c);
      out = h.digest();
    } else if (this.chunks.length === 1) {
      out = hash("sha256", this.chunks[0] as Chunk, "buffer");
    } else {
      const h = createHash("sha256");
      for (const c of this.chunks) h.update(c);
      out = h.digest();
    }
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }

  reset(): void {
    this.chunks = [];
  }
}
