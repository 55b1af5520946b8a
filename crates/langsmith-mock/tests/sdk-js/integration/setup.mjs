// Runs before the suite: the global `test`/`it` (jest style, `globals: true`) become
// the capped ones, as `@jest/globals` does through the alias in vitest.config.mjs.
import { it, test } from "./capped-globals.mjs";

globalThis.test = test;
globalThis.it = it;
