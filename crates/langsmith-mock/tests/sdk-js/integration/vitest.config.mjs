// Runs the vendored `client.int.test.ts` (a jest suite upstream) with vitest: jest-style
// globals, `@jest/globals` resolved to vitest's functions with capped timeouts, one
// test at a time, no retries (upstream retries three times; here a pass must be a pass).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    alias: { "@jest/globals": here("./capped-globals.mjs") },
  },
  test: {
    globals: true,
    include: ["integration/client.int.test.ts"],
    setupFiles: [here("./setup.mjs")],
    environment: "node",
    // As the SDK's own CI runs this suite (.github/actions/js-integration-tests).
    env: { LANGSMITH_TRACING_V2: "true" },
    testTimeout: Number(process.env.SDK_IT_TEST_TIMEOUT_MS ?? 30_000),
    hookTimeout: 30_000,
    teardownTimeout: 5_000,
    retry: 0,
    fileParallelism: false,
    maxConcurrency: 1,
    watch: false,
  },
});
