import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"
import { BaseSequencer, type TestSpecification } from "vitest/node"

/** The longest suites first, so that a fresh clone (no timing cache yet) does not end on them alone. */
const slowFirst = ["ratelimit", "resilience", "cli", "export", "fastDecode"]
class SlowFirst extends BaseSequencer {
  override async sort(files: Array<TestSpecification>): Promise<Array<TestSpecification>> {
    const rank = (file: TestSpecification) => {
      const index = slowFirst.findIndex((name) => file.moduleId.includes(`/test/${name}`))
      return index === -1 ? slowFirst.length : index
    }
    return [...(await super.sort(files))].sort((a, b) => rank(a) - rank(b))
  }
}

export default defineConfig({
  resolve: {
    // Examples import the package by name, as users do.
    alias: [
      { find: /^effect-clerk$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
      { find: /^effect-clerk\/(.*)$/, replacement: fileURLToPath(new URL("./src/$1.ts", import.meta.url)) }
    ]
  },
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["./test/setup.ts"],
    // The JSON report lets .ci/run print a plain "N passed, N failed" closing line.
    reporters: ["default", ["json", { outputFile: ".vitest-results.json" }]],
    testTimeout: 30_000,
    // Most suites wait on sockets and timers, not the CPU: three files at a time on this 2-core machine.
    maxWorkers: 3,
    minWorkers: 1,
    sequence: { sequencer: SlowFirst },
    hookTimeout: 30_000
  }
})
