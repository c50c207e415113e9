/**
 * The README checker (scripts/check-readme.ts, run by `npm run docs:check`): which blocks it finds and how it classifies
 * them, and that a broken block fails the check at its README line: one that does not compile, one that exits non-zero
 * against the emulator, one that prints nothing. The README itself is checked by docs:check in CI.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { check, extract } from "../scripts/check-readme.js"

const fence = "```"

const markdown = [
  "# Title", // 1
  `${fence}ts`, // 2
  `import { Effect } from "effect"`,
  `await Effect.runPromise(Effect.log("hi"))`,
  fence, // 5
  `${fence}sh`, // 6
  `cat <<EOF`,
  `${fence}ts`,
  `EOF`,
  fence, // 10
  "- a list item:", // 11
  "", // 12
  `  ${fence}typescript`, // 13
  `  // fragment: shown, not run`,
  `  const x = 1`,
  `  ${fence}`, // 16
  `${fence}ts`, // 17
  `import { it } from "@effect/vitest"`,
  `it("works", () => {})`,
  fence, // 20
  `${fence}ts`, // 21
  `import { Clients } from "effect-clerk/v4"`,
  `console.log(Clients.defaultApiUrl)`,
  fence // 24
].join("\n")

/** A README of `blocks` in a temporary folder; the check runs in a work folder of its own. */
const checkBlocks = (name: string, blocks: ReadonlyArray<string>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "readme-"))),
    (folder) =>
      Effect.promise(() => {
        const readme = join(folder, "README.md")
        writeFileSync(readme, blocks.map((block) => `${fence}ts\n${block}\n${fence}\n`).join("\n"))
        return check(readme, `.readme-test-${name}`)
      }),
    (folder) => Effect.sync(() => rmSync(folder, { recursive: true, force: true }))
  )

describe("README checker", () => {
  it("finds every ts/typescript block (indented ones too, not those inside other blocks) and classifies its kind and face", () => {
    expect(extract(markdown)).toEqual([
      {
        line: 2,
        kind: "program",
        face: "v3",
        code: `import { Effect } from "effect"\nawait Effect.runPromise(Effect.log("hi"))`
      },
      { line: 13, kind: "fragment", face: "v3", code: "// fragment: shown, not run\nconst x = 1" },
      { line: 17, kind: "test", face: "v3", code: `import { it } from "@effect/vitest"\nit("works", () => {})` },
      {
        line: 21,
        kind: "program",
        face: "v4",
        code: `import { Clients } from "effect-clerk/v4"\nconsole.log(Clients.defaultApiUrl)`
      }
    ])
  })

  it("the README's blocks are all found, and each that is not run says it is a fragment on its first line", () => {
    const blocks = extract(readFileSync("README.md", "utf8"))
    expect(blocks.length).toBeGreaterThanOrEqual(5)
    for (const block of blocks.filter((b) => b.kind === "fragment")) {
      expect(block.code.split("\n")[0]).toMatch(/^\/\/ fragment: \S/)
    }
    expect(blocks.filter((b) => b.kind === "program").length).toBeGreaterThanOrEqual(3)
  })

  it.live("a block that does not compile fails the check at its line, and nothing runs", () =>
    Effect.gen(function*() {
      const { failures, counts } = yield* checkBlocks("compile", [
        `// fragment: fine\nexport const ok: number = 1`,
        // Had it run, its throw would be a second failure.
        `const n: number = "not a number"\nthrow new Error(String(n))`
      ])
      expect(counts).toEqual({ program: 1, fragment: 1, test: 0 })
      expect(failures).toHaveLength(1)
      expect(failures[0]!.line).toBe(6)
      expect(failures[0]!.message).toMatch(/^does not compile \(block line 1\): error TS2322/)
    }), 120_000)

  it.live(
    "runnable blocks run against an emulator from CLERK_API_URL; a failing or silent one fails the check",
    () =>
      Effect.gen(function*() {
        const { failures, counts } = yield* checkBlocks("run", [
          [
            `import { ClerkClients } from "effect-clerk"`,
            `await using clerk = ClerkClients.make({ deprecationWarning: false })`,
            `console.log((await clerk.clients.list({ limit: 2 })).totalCount)`
          ].join("\n"),
          `throw new Error("broken on purpose")`,
          `const quiet = 1 + 1`
        ])
        expect(counts).toEqual({ program: 3, fragment: 0, test: 0 })
        expect(failures.map((f) => [f.line, f.message.split("\n")[0]])).toEqual([
          [7, "exits with 1 against the emulator:"],
          [11, "runs but prints nothing: a runnable block shows what it did"]
        ])
        expect(failures[0]!.message).toContain("broken on purpose")
      }),
    120_000
  )
})

describe("the files the docs cite", () => {
  it("every repository path the READMEs and examples cite exists (a stale citation misleads the reader)", () => {
    const repo = join(import.meta.dirname, "..")
    const citing = ["README.md", "bench/README.md", ...readdirSync(join(repo, "examples")).map((f) => `examples/${f}`)]
    const cited = new Set<string>()
    for (const file of citing) {
      const text = readFileSync(join(repo, file), "utf8")
      for (
        const [, path] of text.matchAll(/`((?:src|test|test-v4|test-consumer|examples|bench|scripts)\/[\w./*-]*)`/g)
      ) {
        cited.add(path!)
      }
      for (const [name] of text.matchAll(/\b[\w-]+\.md\b/g)) cited.add(name)
    }
    const exists = (path: string): boolean => {
      if (!path.includes("*")) return existsSync(join(repo, path))
      const slash = path.lastIndexOf("/")
      const pattern = new RegExp(`^${path.slice(slash + 1).replace(/[.]/g, "\\.").replace(/\*/g, ".*")}$`)
      return readdirSync(join(repo, path.slice(0, slash))).some((f) => pattern.test(f))
    }
    expect(cited.size).toBeGreaterThan(20)
    expect([...cited].filter((path) => !exists(path))).toEqual([])
  })
})
