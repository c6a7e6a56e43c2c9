/**
 * STS's wire format, the AWS query protocol as @aws-sdk/client-sts speaks it: a form-encoded POST (`Action`,
 * `Version=2011-06-15`, parameters), an XML answer in the `https://sts.amazonaws.com/doc/2011-06-15/` namespace, and
 * errors as `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>` (STS API reference:
 * AssumeRole and GetCallerIdentity "Examples"; botocore's query protocol parser).
 */
import { randomUUID } from "node:crypto";
import { ApiError } from "./errors.js";
import type { CallerIdentity, SecurityTokenService } from "./sts.js";
import { parseAssumeRole } from "./sts-validation.js";

export interface StsCall {
  accessKeyId: string;
  securityToken?: string | undefined;
  contentType: string | undefined;
  body: string;
}

export interface StsAnswer {
  status: number;
  xml: string;
  /** The error code, for call accounting. */
  code?: string;
  action: string;
  /** The caller, when it was identified (for the request log). */
  caller?: CallerIdentity;
}

const NS = "https://sts.amazonaws.com/doc/2011-06-15/";

export function handleSts(sts: SecurityTokenService, call: StsCall): StsAnswer {
  const params = new URLSearchParams(call.body);
  const action = params.get("Action") ?? "";
  const requestId = randomUUID();
  let caller: CallerIdentity | undefined;
  try {
    if (!call.contentType?.startsWith("application/x-www-form-urlencoded"))
      throw new ApiError("MalformedInput", "Expected Content-Type application/x-www-form-urlencoded", 400);
    if (params.get("Version") !== "2011-06-15")
      throw new ApiError("InvalidAction", `Could not find operation ${action} for version ${params.get("Version")}`);
    caller = sts.identify(call.accessKeyId, call.securityToken, "query");
    const who = caller;
    let result: string;
    switch (action) {
      case "GetCallerIdentity":
        result = `<UserId>${esc(who.userId)}</UserId><Account>${who.account}</Account><Arn>${esc(who.arn)}</Arn>`;
        break;
      case "AssumeRole": {
        const issued = sts.assumeRole(who, parseAssumeRole(params));
        result =
          `<AssumedRoleUser><Arn>${esc(issued.assumedRoleArn)}</Arn><AssumedRoleId>${esc(issued.assumedRoleId)}</AssumedRoleId></AssumedRoleUser>` +
          `<Credentials><AccessKeyId>${issued.accessKeyId}</AccessKeyId><SecretAccessKey>${issued.secretAccessKey}</SecretAccessKey>` +
          `<SessionToken>${issued.sessionToken}</SessionToken><Expiration>${new Date(issued.expiration).toISOString().replace(".000Z", "Z")}</Expiration></Credentials>` +
          "<PackedPolicySize>0</PackedPolicySize>";
        break;
      }
      default:
        throw new ApiError("InvalidAction", `Could not find operation ${action} for version 2011-06-15`);
    }
    return {
      status: 200,
      action,
      caller,
      xml:
        `<${action}Response xmlns="${NS}"><${action}Result>${result}</${action}Result>` +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
    };
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError("InternalFailure", String(err), 500);
    return {
      status: e.status,
      action,
      code: e.code,
      ...(caller ? { caller } : {}),
      xml:
        `<ErrorResponse xmlns="${NS}"><Error><Type>${e.status >= 500 ? "Receiver" : "Sender"}</Type>` +
        `<Code>${esc(e.code)}</Code><Message>${esc(e.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    };
  }
}

function esc(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
