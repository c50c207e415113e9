/**
 * Checks every fenced TypeScript block of the README as a user would meet it: each block becomes a module under
 * .readme/ that imports the package by name (the repo tsconfig's `paths` map it to src/), and one strict `tsc` run
 * compiles them all. Then each runnable block runs with tsx against a fresh emulator on a free 127.0.0.1 port, with
 * `CLERK_SECRET_KEY` and `CLERK_API_URL` pointing at it: it must exit 0 and print something. A block whose first line
 * is a `// fragment` comment is only compiled; a block that imports `@effect/vitest` is a test file and runs under
 * vitest. A block that imports `effect-clerk/v4` is checked on Effect 4 from test-v4/ (its tsconfig and its own
 * Effect 4.1, vitest 5 and aliases to src/v4): compiled there, and run inside one vitest test against its own emulator.
 * Exits non-zero, naming the README line of each broken block.
 *
 * `tsx scripts/check-readme.ts [README.md]` (run by `npm run docs:check`).
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { spawn, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import * as Emulator from "../src/Emulator.js"

export type Kind = "program" | "fragment" | "test"

export interface Snippet {
  /** The README line of the opening fence (1-based). */
  readonly line: number
  readonly code: string
  readonly kind: Kind
  /** Which face it imports: the root's (Effect 3) or `effect-clerk/v4`. */
  readonly face: "v3" | "v4"
}

/** The fenced `ts` / `typescript` blocks of a Markdown text, classified. */
export const extract = (markdown: string): Array<Snippet> => {
  const lines = markdown.split("\n")
  const snippets: Array<Snippet> = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(ts|typescript)\b.*$/.exec(lines[i]!)
    if (open === null) {
      // Skip other fenced blocks whole, so a ```ts inside them is not taken for a block.
      const other = /^(\s*)(`{3,}|~{3,})/.exec(lines[i]!)
      if (other !== null) i = closing(lines, i, other[2]!)
      continue
    }
    const end = closing(lines, i, open[2]!)
    const indent = open[1]!.length
    const code = lines.slice(i + 1, end).map((line) => line.slice(Math.min(indent, /^\s*/.exec(line)![0].length)))
      .join("\n")
    snippets.push({ line: i + 1, code, kind: kindOf(code), face: faceOf(code) })
    i = end
  }
  return snippets
}

const closing = (lines: ReadonlyArray<string>, start: number, fence: string): number => {
  for (let j = start + 1; j < lines.length; j++) {
    if (lines[j]!.trim().startsWith(fence) && lines[j]!.trim().replace(/[`~]/g, "") === "") return j
  }
  return lines.length
}

const kindOf = (code: string): Kind => {
  const first = code.split("\n").find((line) => line.trim() !== "") ?? ""
  if (/^\s*\/\/\s*fragment\b/.test(first)) return "fragment"
  if (/from\s+["']@effect\/vitest["']/.test(code)) return "test"
  return "program"
}

const faceOf = (code: string): "v3" | "v4" => /from\s+["']effect-clerk\/v4(\/[^"']*)?["']/.test(code) ? "v4" : "v3"

export interface Failure {
  readonly line: number
  readonly message: string
}

const fileOf = (snippet: Snippet) => `readme_${snippet.line}${snippet.kind === "test" ? ".test" : ""}.ts`

/** One strict `tsc` over every block in `out`, with `tsconfig`; failures are mapped back to README lines. */
const compile = (out: string, tsconfig = "tsconfig.json"): Array<Failure> => {
  writeFileSync(
    join(out, "tsconfig.json"),
    JSON.stringify({
      extends: relative(out, tsconfig),
      compilerOptions: { noUnusedLocals: false, noEmit: true },
      include: ["./*.ts"],
      exclude: []
    })
  )
  const result = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", join(out, "tsconfig.json")], {
    encoding: "utf8"
  })
  if (result.status === 0) return []
  const failures: Array<Failure> = []
  for (const match of result.stdout.matchAll(/readme_(\d+)(?:\.test)?\.ts\((\d+),\d+\): (.*)/g)) {
    const line = Number(match[1])
    failures.push({ line, message: `does not compile (block line ${match[2]}): ${match[3]}` })
  }
  if (failures.length === 0) failures.push({ line: 0, message: `tsc failed: ${result.stdout}${result.stderr}` })
  return failures
}

interface Ran {
  readonly code: number | null
  readonly output: string
}

const run = (
  command: ReadonlyArray<string>,
  env: NodeJS.ProcessEnv,
  timeoutMillis: number,
  cwd = "."
): Promise<Ran> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, command, { cwd, env, stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMillis)
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })

/** A fresh emulator on a free loopback port, for one block; closed by `close`. */
const startEmulator = async () => {
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(Layer.buildWithScope(
    Emulator.layer({ seedClients: 40, seed: 19 }).pipe(
      Layer.provide(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
    ),
    scope
  ))
  const emulator = Context.get(context, Emulator.Emulator)
  return { origin: emulator.origin, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

const tsx = join("node_modules", "tsx", "dist", "cli.mjs")
/** Where v4 blocks are written, compiled and run: inside test-v4, so `effect` is its Effect 4. */
const v4Root = "test-v4"
const v4Vitest = join("node_modules", "vitest", "vitest.mjs")

/**
 * test-v4's own packages (Effect 4), installed when missing: without them `effect` would resolve to the root's
 * Effect 3 and every v4 block would fail to compile for a reason that is not the block's.
 */
const ensureV4Packages = () => {
  const manifest = join(v4Root, "node_modules", "effect", "package.json")
  const major = () =>
    existsSync(manifest) ? Number(JSON.parse(readFileSync(manifest, "utf8")).version.split(".")[0]) : 0
  if (major() >= 4) return
  const npm = process.platform === "win32" ? "npm.cmd" : "npm"
  spawnSync(npm, ["ci", "--prefix", v4Root, "--no-audit", "--no-fund"], { stdio: ["ignore", "inherit", "inherit"] })
  if (major() < 4) throw new Error(`${v4Root}: \`npm ci --prefix ${v4Root}\` did not install Effect 4`)
}

/**
 * A v4 block runs inside one test of test-v4's vitest (its aliases and its Effect 4), which imports the block; its
 * report goes to the block's folder, not to the suite's JSON report that CI reads.
 */
const executeV4 = async (out: string, snippet: Snippet, env: NodeJS.ProcessEnv): Promise<Ran> => {
  const wrapper = join(out, `readme_${snippet.line}.v4.test.ts`)
  writeFileSync(
    join(v4Root, wrapper),
    `import { it } from "vitest"\nit("README line ${snippet.line}", async () => {\n  await import("./${
      fileOf(snippet)
    }")\n}, 60_000)\n`
  )
  return run(
    [
      v4Vitest,
      "run",
      wrapper,
      "--reporter=default",
      `--outputFile.json=${join(out, "report.json")}`
    ],
    env,
    120_000,
    v4Root
  )
}
const vitest = join("node_modules", "vitest", "vitest.mjs")

/** What a block printed, on stdout: the check's log shows each block did something. */
const report = (snippet: Snippet, output: string): void => {
  const lines = output.trim().split("\n")
  console.log(`  line ${snippet.line} (${snippet.kind}): ${lines[lines.length - 1]!.slice(0, 120)}`)
}

/** Runs a program block against its own emulator, or a test block under vitest. */
const execute = async (out: string, snippet: Snippet): Promise<Failure | undefined> => {
  const file = join(out, fileOf(snippet))
  if (snippet.face === "v4" && snippet.kind === "test") {
    const ran = await run(
      [
        v4Vitest,
        "run",
        join(out, fileOf(snippet)),
        "--reporter=default",
        `--outputFile.json=${join(out, "report.json")}`
      ],
      process.env,
      120_000,
      v4Root
    )
    if (ran.code !== 0) return { line: snippet.line, message: `its test fails (on Effect 4):\n${ran.output}` }
    report(snippet, "test passed")
    return undefined
  }
  if (snippet.kind === "test") {
    const config = join(out, "vitest.config.mjs")
    const ran = await run([vitest, "run", "--config", config, file], process.env, 120_000)
    if (ran.code !== 0) return { line: snippet.line, message: `its test fails:\n${ran.output}` }
    report(snippet, "test passed")
    return undefined
  }
  const emulator = await startEmulator()
  try {
    const env = { ...process.env, CLERK_SECRET_KEY: Emulator.defaultSecretKey, CLERK_API_URL: emulator.origin }
    const ran = snippet.face === "v4" ? await executeV4(out, snippet, env) : await run([tsx, file], env, 60_000)
    if (ran.code !== 0) {
      return {
        line: snippet.line,
        message: `exits with ${ran.code ?? "a signal"} against the emulator:\n${ran.output}`
      }
    }
    // Under vitest, what the block printed is what vitest shows under `stdout |`.
    const printed = snippet.face === "v4"
      ? Array.from(
        ran.output.replace(/\u001b\[[0-9;]*m/g, "").matchAll(/^stdout \| .*\n([\s\S]*?)\n\n/gm),
        (match) => match[1]!
      ).join("\n")
      : ran.output
    if (printed.trim() === "") {
      return { line: snippet.line, message: "runs but prints nothing: a runnable block shows what it did" }
    }
    report(snippet, printed)
    return undefined
  } finally {
    await emulator.close()
  }
}

/**
 * Writes, compiles and runs every block of `readme` in `out` (a folder of the repo root, removed after); the failures,
 * and how many blocks of each kind were checked.
 */
export const check = async (readme: string, out = ".readme") => {
  const snippets = extract(readFileSync(readme, "utf8"))
  const v4Out = join(v4Root, out)
  for (const dir of [out, v4Out]) {
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir)
  }
  try {
    for (const snippet of snippets) {
      writeFileSync(join(snippet.face === "v4" ? v4Out : out, fileOf(snippet)), `${snippet.code}\nexport {}\n`)
    }
    writeFileSync(
      join(out, "vitest.config.mjs"),
      [
        `import base from ${JSON.stringify(relative(out, "vitest.config.ts"))}`,
        // Not mergeConfig, which would append to the suite's own include and JSON reporter (CI reads its file).
        `export default { ...base, test: { ...base.test, include: [${
          JSON.stringify(`${out}/*.test.ts`)
        }], reporters: ["default"] } }`,
        ""
      ].join("\n")
    )
    const failures = snippets.some((snippet) => snippet.face === "v3") ? compile(out) : []
    if (snippets.some((snippet) => snippet.face === "v4")) {
      ensureV4Packages()
      failures.push(...compile(v4Out, join(v4Root, "tsconfig.json")))
    }
    if (failures.length === 0) {
      for (const snippet of snippets) {
        if (snippet.kind === "fragment") continue
        const failure = await execute(out, snippet)
        if (failure !== undefined) failures.push(failure)
      }
    }
    const counts = { program: 0, fragment: 0, test: 0 }
    for (const snippet of snippets) counts[snippet.kind]++
    return { failures, counts }
  } finally {
    rmSync(out, { recursive: true, force: true })
    rmSync(v4Out, { recursive: true, force: true })
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const readme = process.argv[2] ?? "README.md"
  const { counts, failures } = await check(readme)
  for (const failure of failures) console.error(`${readme}:${failure.line}: ${failure.message}`)
  const summary =
    `${counts.program} programs run, ${counts.test} tests run, ${counts.fragment} fragments compiled (${readme})`
  if (failures.length > 0) {
    console.error(`${summary}: ${failures.length} broken`)
    process.exit(1)
  }
  console.log(`${summary}: all pass`)
}
