// Vendored from github.com/langchain-ai/langsmith-sdk js/src/tests/utils/markers.ts at commit
// bc8dd672a7b9e7d09bcb2fdada0baff80700f9b0 (MIT License, Copyright (c) 2023 LangChain;
// the full notice is in ./LICENSE). Only the imports are changed: they name the
// installed `langsmith` package's exported entry points. See ./README.md.

import { describe, test } from "vitest";

import { getLangSmithEnvironmentVariable } from "langsmith/lib/utils/env";

/**
 * Environment gating for the integration suite, mirroring the pytest markers on
 * the Python side.
 *
 * CI passes the markers the target deployment cannot serve through
 * LANGSMITH_TEST_EXCLUDE_MARKERS (a comma-separated list built per environment
 * in .github/workflows/ci.yml); the tests carrying those markers skip. With the
 * variable unset — local runs and beta — nothing is skipped.
 */
const excluded = new Set(
  (getLangSmithEnvironmentVariable("TEST_EXCLUDE_MARKERS") ?? "")
    .split(",")
    .map((marker) => marker.trim())
    .filter(Boolean),
);

/**
 * Returns `test` / `describe` for the given marker, swapped for their `.skip`
 * variants when the target environment excludes it.
 */
export function requires(marker: string): {
  test: typeof test;
  describe: typeof describe;
} {
  if (!excluded.has(marker)) return { test, describe };
  return {
    test: test.skip as unknown as typeof test,
    describe: describe.skip as unknown as typeof describe,
  };
}

/** Needs the v2 (SmithDB) endpoints, which V15 deployments don't serve. */
export const requiresV2 = requires("require_v2");

/** Needs a legacy ClickHouse-backed endpoint, absent on SmithDB-only backends. */
export const requiresClickhouse = requires("require_clickhouse");

/**
 * Needs a dataset that only exists on the beta tenant — a hardcoded share token
 * or a public dataset URL that no self-hosted deployment can resolve.
 */
export const requiresBetaDataset = requires("require_beta_dataset");
