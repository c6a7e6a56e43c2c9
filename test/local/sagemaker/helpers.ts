/** Shared setup: an emulator and a real SDK client pointed at it. */
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import {
  type EmulatorOptions,
  type SageMakerEmulator,
  startSageMakerEmulator,
} from "@sagemaker-profile-operator/local-stack/sagemaker";
import { afterEach } from "vitest";

export const DOMAIN = "d-test0000001";
export const ROLE = "arn:aws:iam::123456789012:role/service-role/Studio";

export function clientFor(emu: SageMakerEmulator, maxAttempts = 1): SageMakerClient {
  return new SageMakerClient({
    region: "us-east-1",
    endpoint: emu.url,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts,
  });
}

/** A time source the test moves by hand, so life-cycle delays need no waiting. */
export function manualClock(start = Date.UTC(2026, 0, 1)) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

export async function emulatorWithDomain(
  options: EmulatorOptions = {},
): Promise<{ emu: SageMakerEmulator; sm: SageMakerClient }> {
  const emu = await startSageMakerEmulator({ seed: 7, ...options });
  emu.admin.createDomain({ domainId: DOMAIN, defaultUserSettings: { ExecutionRole: ROLE } });
  return { emu, sm: clientFor(emu) };
}

/** One emulator (with the test domain) per test, closed after each test. */
export function emulatorPerTest(): (options?: EmulatorOptions) => ReturnType<typeof emulatorWithDomain> {
  let emu: SageMakerEmulator | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });
  return async (options = {}) => {
    const started = await emulatorWithDomain(options);
    emu = started.emu;
    return started;
  };
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(
  p: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number; attempts?: number } }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the call to fail");
}

/** POSTs raw bytes to the emulator, for what the SDK never sends. */
export async function rawCall(
  emu: SageMakerEmulator,
  headers: Record<string, string>,
  body = "{}",
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const res = await fetch(`${emu.url}/`, { method: "POST", headers, body });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}
