// The `test`/`it`/`describe` the vendored suite sees, in place of jest's: vitest's own,
// with each test's timeout capped. The upstream file gives many tests 180 s or more
// (it polls a real deployment until runs are ingested); against the stand-in, which
// answers at once, a test still waiting after the cap is reported as failed instead of
// holding the run up. The cap is SDK_IT_TEST_TIMEOUT_MS (default 30 000 ms).
import { describe, it as vitestIt, test as vitestTest } from "vitest";

const cap = Number(process.env.SDK_IT_TEST_TIMEOUT_MS ?? 30_000);

function capped(base) {
  const wrapped = (name, fn, timeout) =>
    base(
      name,
      fn,
      typeof timeout === "number" ? Math.min(timeout, cap) : (timeout ?? cap),
    );
  for (const key of ["skip", "only", "todo", "each", "skipIf", "runIf"]) {
    wrapped[key] = base[key];
  }
  return wrapped;
}

export const test = capped(vitestTest);
export const it = capped(vitestIt);
export { describe };
