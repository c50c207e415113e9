import { fileURLToPath } from "node:url"
import type { Plugin } from "vitest/config"
import { defineConfig } from "vitest/config"

// Vitest 5's reporter calls `Map.groupBy` (Node 21+); on Node 20 its failure summary would crash. Effect 4 and
// vitest 5 ask for Node 22, yet the project runs on Node 20 too, so the reporter gets the method it expects.
if (!("groupBy" in Map)) {
  Object.defineProperty(Map, "groupBy", {
    value: <K, V>(items: Iterable<V>, key: (item: V, index: number) => K): Map<K, Array<V>> => {
      const groups = new Map<K, Array<V>>()
      let index = 0
      for (const item of items) {
        const k = key(item, index++)
        const group = groups.get(k)
        if (group === undefined) groups.set(k, [item])
        else group.push(item)
      }
      return groups
    }
  })
}

const here = fileURLToPath(new URL(".", import.meta.url))
const src = fileURLToPath(new URL("../src/", import.meta.url))

/**
 * The library's sources live outside this package, so Node would resolve their `effect` imports to the root's
 * Effect 3. They are resolved from here instead: the Effect 4 of this package, the same copy `@effect/vitest` uses.
 */
const effectFromHere = (): Plugin => ({
  name: "effect-clerk:effect-from-test-v4",
  enforce: "pre",
  resolveId(source, importer, options) {
    if (importer === undefined || !importer.startsWith(src)) return null
    if (source !== "effect" && !source.startsWith("effect/")) return null
    return this.resolve(source, `${here}vitest.config.ts`, { ...options, skipSelf: true })
  }
})

export default defineConfig({
  plugins: [effectFromHere()],
  resolve: {
    // Tests may import the face by name, as users do.
    alias: [
      { find: /^effect-clerk\/v4$/, replacement: fileURLToPath(new URL("../src/v4/index.ts", import.meta.url)) },
      { find: /^effect-clerk\/v4\/(.*)$/, replacement: fileURLToPath(new URL("../src/v4/$1.ts", import.meta.url)) }
    ]
  },
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**"],
    // .ci/run sums this report into its closing line; the Node 22 run names another with `--outputFile.json=`.
    reporters: ["default", "json"],
    outputFile: { json: ".vitest-results.json" },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    maxWorkers: 2
  }
})
