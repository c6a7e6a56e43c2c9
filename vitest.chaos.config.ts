import { defineConfig } from "vitest/config";

/** `npm run test:chaos`: the fault-injection suite at full size (test/chaos), one scenario after another. */
export default defineConfig({
  test: {
    include: ["test/chaos/chaos.test.ts"],
    env: { CHAOS: "full" },
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
