import { defineConfig } from "vitest/config"

// The consumer and runtime suites: no aliases, no setup file; they see the package only as a tarball.
export default defineConfig({
  test: {
    include: ["test-consumer/**/*.test.ts"],
    reporters: ["default", ["json", { outputFile: ".vitest-consumer-results.json" }]],
    testTimeout: 60_000,
    hookTimeout: 240_000,
    fileParallelism: false
  }
})
