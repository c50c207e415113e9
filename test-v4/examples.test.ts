/**
 * Every `@example` and module-level ```ts block in the doc comments of src/v4 compiles, as users would write it:
 * each block becomes a module that imports the face by name (`effect-clerk/v4`), and one strict `tsc` run, against
 * this package's Effect 4 and without skipLibCheck's help for our own code, checks them all.
 */
import { spawnSync } from "node:child_process"
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "vitest"

const root = fileURLToPath(new URL("..", import.meta.url))
const here = fileURLToPath(new URL(".", import.meta.url))

/** The blocks of one source file, with the line each starts on. */
const blocks = (file: string): ReadonlyArray<{ readonly line: number; readonly code: string }> => {
  const lines = readFileSync(file, "utf8").split("\n")
  const found: Array<{ line: number; code: string }> = []
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*\*\s*```ts\s*$/.test(lines[i]!)) continue
    const body: Array<string> = []
    let j = i + 1
    for (; j < lines.length && !/^\s*\*\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.replace(/^\s*\* ?/, ""))
    found.push({ line: i + 1, code: body.join("\n") })
    i = j
  }
  return found
}

describe("v4 examples", () => {
  it("every example of the v4 face compiles", { timeout: 120_000 }, () => {
    const out = join(here, ".examples")
    rmSync(out, { recursive: true, force: true })
    mkdirSync(out)
    const origins = new Map<string, string>()
    const dir = join(root, "src", "v4")
    for (const name of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      for (const { code, line } of blocks(join(dir, name))) {
        const module = `${name.replace(/\.ts$/, "")}_${line}.ts`
        // Top-level await, as in a user's module.
        writeFileSync(join(out, module), `${code}\nexport {}\n`)
        origins.set(module, `src/v4/${name}:${line}`)
      }
    }
    writeFileSync(
      join(out, "tsconfig.json"),
      JSON.stringify({
        extends: "../tsconfig.json",
        compilerOptions: {
          noUnusedLocals: false,
          noEmit: true,
          module: "NodeNext",
          target: "ES2022",
          paths: {
            "effect": ["../node_modules/effect/dist/index.d.ts"],
            "effect/*": ["../node_modules/effect/dist/*.d.ts", "../node_modules/effect/dist/*/index.d.ts"],
            "effect-clerk/v4": ["../../src/v4/index.ts"],
            "effect-clerk/v4/*": ["../../src/v4/*.ts"],
            // The root's undici, which the face is typed against (this package has a newer one through platform-node).
            "undici": ["../../node_modules/undici/index.d.ts"]
          }
        },
        include: ["./*.ts"],
        exclude: []
      })
    )
    const tsc = spawnSync(process.execPath, [
      join(root, "node_modules/typescript/bin/tsc"),
      "-p",
      join(out, "tsconfig.json")
    ], {
      encoding: "utf8"
    })
    const report = tsc.stdout.replace(
      /\.examples\/(\S+?\.ts)\((\d+),(\d+)\)/g,
      (_, module: string, line: string) => `${origins.get(module)} (example line ${line})`
    )
    assert.isAbove(origins.size, 40)
    assert.strictEqual(report, "", `${origins.size} examples, some do not compile`)
    rmSync(out, { recursive: true, force: true })
  })
})
