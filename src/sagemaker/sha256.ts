/**
 * The SHA-256 the SDK's SigV4 signer uses (the client's `sha256` option), on node:crypto like the SDK's default
 * (Sha256Node in @smithy/core/checksum), with two costs taken out of every call:
 * - an HMAC keyed by bytes (the signer's cached signing key: the same Uint8Array on every call of a day) gets a
 *   KeyObject made once per key: node:crypto's createHmac with a Buffer key spends most of its time preparing the
 *   key (about 4 times the HMAC itself, measured on Node 24), with a KeyObject or a string it does not;
 * - a plain hash of data given at once is node:crypto's one-shot `hash()`, without a Hash object and its copy.
 */
import { type BinaryLike, createHash, createHmac, createSecretKey, hash, type KeyObject } from "node:crypto";

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

const bytes = (data: SourceData): Uint8Array =>
  typeof data === "string"
    ? Buffer.from(data, "utf8")
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

const asInput = (data: SourceData): BinaryLike => (typeof data === "string" ? data : bytes(data));

/** The SDK's Checksum interface (@smithy/types): update, digest, reset; an HMAC when constructed with a secret. */
export class Sha256 {
  readonly digestLength = 32;
  private chunks: BinaryLike[] = [];

  constructor(private readonly secret?: SourceData) {}

  update(data: SourceData): void {
    this.chunks.push(asInput(data));
  }

  async digest(): Promise<Uint8Array> {
    let out: Buffer;
    if (this.secret !== undefined) {
      const h = createHmac("sha256", hmacKey(this.secret));
      for (const c of this.chunks) h.update(c);
      out = h.digest();
    } else if (this.chunks.length === 1) {
      out = hash("sha256", this.chunks[0] as BinaryLike, "buffer");
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
