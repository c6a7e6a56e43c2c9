/**
 * The client's SHA-256 (src/sagemaker/sha256.ts) signs as the SDK's own does: AWS's published SigV4 example request
 * (IAM ListUsers, AKIDEXAMPLE, 2015-08-30) gets the signature the AWS documentation shows, on a fresh signer and again
 * once the signing key and its KeyObject are cached; the hash of a body given in parts equals the hash of the whole.
 */
import { createHash, createHmac } from "node:crypto";
import { HttpRequest } from "@smithy/core/transport";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import { Sha256 } from "../../src/sagemaker/sha256.js";

// "Create a signed AWS API request", AWS Identity and Access Management User Guide (the worked GET example).
const EXAMPLE_SIGNATURE = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";

const exampleRequest = () =>
  new HttpRequest({
    method: "GET",
    protocol: "https:",
    hostname: "iam.amazonaws.com",
    path: "/",
    query: { Action: "ListUsers", Version: "2010-05-08" },
    headers: {
      "content-type": "application/x-www-form-urlencoded; charset=utf-8",
      host: "iam.amazonaws.com",
    },
  });

describe("Sha256 for SigV4", () => {
  it("signs AWS's example request with the documented signature, also with the signing key cached", async () => {
    const signer = new SignatureV4({
      service: "iam",
      region: "us-east-1",
      sha256: Sha256,
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
      applyChecksum: false,
    });
    for (let i = 0; i < 2; i++) {
      const signed = await signer.sign(exampleRequest(), { signingDate: new Date("2015-08-30T12:36:00Z") });
      expect(signed.headers.authorization).toContain(`Signature=${EXAMPLE_SIGNATURE}`);
    }
  });

  it("hashes and HMACs data given in parts, strings and bytes, as node:crypto does", async () => {
    const plain = new Sha256();
    plain.update("abc");
    plain.update(new TextEncoder().encode("def"));
    expect(Buffer.from(await plain.digest()).toString("hex")).toBe(createHash("sha256").update("abcdef").digest("hex"));
    const key = new Uint8Array([1, 2, 3, 4]);
    for (const secret of ["secret", key, key]) {
      const mac = new Sha256(secret);
      mac.update("payload");
      const expected = createHmac("sha256", typeof secret === "string" ? secret : Buffer.from(secret))
        .update("payload")
        .digest("hex");
      expect(Buffer.from(await mac.digest()).toString("hex")).toBe(expected);
    }
  });

  it("answers an HMAC under a string key from memory only for the same data, and hands out its own copy", async () => {
    const mac = async (key: string, data: string | Uint8Array) => {
      const h = new Sha256(key);
      h.update(data);
      return h.digest();
    };
    const expected = (key: string, data: string) => createHmac("sha256", key).update(data).digest("hex");
    const first = await mac("secret-a", new TextEncoder().encode("AKID1"));
    expect(Buffer.from(first).toString("hex")).toBe(expected("secret-a", "AKID1"));
    first.fill(0); // a caller scribbling on its copy changes nothing remembered
    expect(Buffer.from(await mac("secret-a", new TextEncoder().encode("AKID1"))).toString("hex")).toBe(
      expected("secret-a", "AKID1"),
    );
    expect(Buffer.from(await mac("secret-a", "AKID2")).toString("hex")).toBe(expected("secret-a", "AKID2"));
    expect(Buffer.from(await mac("secret-b", "AKID2")).toString("hex")).toBe(expected("secret-b", "AKID2"));
    // More keys than are remembered (rotated credentials): each still answers its own HMAC.
    for (let i = 0; i < 40; i++)
      expect(Buffer.from(await mac(`rotated-${i % 20}`, "AKID")).toString("hex")).toBe(
        expected(`rotated-${i % 20}`, "AKID"),
      );
  });
});
