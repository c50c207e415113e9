/** The package as registries and type resolvers see it: publint (strict) and Are the Types Wrong (ESM only). */
import { spawnSync } from "node:child_process"
import { describe, expect, it } from "vitest"
import { repo } from "./project.js"

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
    expect(rows.length).toBe(11)
    for (const row of rows) expect(row.replace(/\(ignored\)[^│|]*/gu, "")).not.toMatch(/❌|💀|⚠️/u)
    expect(result.status).toBe(0)
  }, 60_000)
})
