import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

/**
 * `npm run test:fleet`: several real processes sharing one key through a real redis-server (each file starts its
 * own). Not part of `npm test`, which must pass on a machine without Redis: these files end in `.fleet.ts`.
 */
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  resolve: {
    alias: [
      { find: /^effect-clerk$/, replacement: fileURLToPath(new URL("../../src/index.ts", import.meta.url)) },
      { find: /^effect-clerk\/(.*)$/, replacement: fileURLToPath(new URL("../../src/$1.ts", import.meta.url)) }
    ]
  },
  test: {
    include: ["test/fleet/**/*.fleet.ts"],
    globalSetup: ["test/fleet/globalSetup.ts"],
    reporters: ["default", ["json", { outputFile: ".vitest-fleet-results.json" }]],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // The processes of one file compete for the CPU: one file at a time.
    fileParallelism: false
  }
})
