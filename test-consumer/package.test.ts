/** The package as registries and type resolvers see it: publint (strict) and Are the Types Wrong (ESM only). */
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { repo } from "./project.js"

const manifest: { readonly exports: Record<string, unknown> } = JSON.parse(
  readFileSync(join(repo, "package.json"), "utf8")
)

const run = (args: ReadonlyArray<string>) =>
  spawnSync("npx", ["--no-install", ...args], { cwd: repo, encoding: "utf8" })

describe("the packed package", () => {
  it("publint --strict finds nothing", () => {
    const result = run(["publint", "--strict"])
    expect(result.stdout).toContain("All good!")
    expect(result.status).toBe(0)
  }, 60_000)

  it("every public subpath resolves to ESM with types (attw --pack --profile esm-only)", () => {
    const result = run(["attw", "--pack", "--profile", "esm-only", "--format", "table-flipped"])
    // Every row is clean for ESM resolution (node16 from ESM, bundler); the CommonJS columns are ignored by the profile.
    const rows = result.stdout.split("\n").filter((line) => line.includes("\"effect-clerk"))
    // One row per subpath of package.json's `exports`, each named as a user imports it.
    const subpaths = Object.keys(manifest.exports).map((key) => `"effect-clerk${key.slice(1)}"`)
    expect(rows.map((row) => /"effect-clerk[^"]*"/u.exec(row)?.[0])).toEqual(subpaths)
    for (const row of rows) expect(row.replace(/\(ignored\)[^│|]*/gu, "")).not.toMatch(/❌|💀|⚠️/u)
    expect(result.status).toBe(0)
  }, 180_000)
})
