/**
 * An Effect 4 project made as a new user makes one: `npm init -y`, `npm i effect @effect/platform-node` (the 4.1
 * line test-v4 pins), then the packed tarball. No ERESOLVE, no Effect 3 and no `@effect/platform` pulled in, strict
 * `tsc` without skipLibCheck on a program on `effect-clerk/v4`, and that program run against the v4 emulator (served
 * in-process by `@effect/platform-node` 4) over the own transport and `effect/http`'s fetch, on this Node and Node 22.
 */
import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { devDependency, emulatorKey, repo, v4Pinned } from "./project.js"

const tsc = join(repo, "node_modules", "typescript", "bin", "tsc")

let dir = ""
/** Each `npm i` of the setup, with what it printed: an ERESOLVE shows up here. */
const installs: Array<
  { readonly args: ReadonlyArray<string>; readonly status: number | null; readonly output: string }
> = []

const exec = promisify(execFile)

/** Asynchronous, so the worker keeps answering vitest during minutes of installs. */
const npm = async (args: ReadonlyArray<string>) => {
  const result = await exec("npm", [...args, "--no-audit", "--no-fund", "--prefer-offline"], {
    cwd: dir,
    encoding: "utf8",
    timeout: 180_000
  }).then(
    ({ stderr, stdout }) => ({ status: 0, output: stdout + stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      status: typeof error.code === "number" ? error.code : 1,
      output: `${error.stdout ?? ""}${error.stderr ?? ""}`
    })
  )
  installs.push({ args, ...result })
  return result
}

/** A Node 22 binary from the registry's `node` package, fetched once into npx's cache. */
const node22 = ["-y", "-p", "node@22", "--", "node"]

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "effect-clerk-consumer-v4-"))
  await exec("npm", ["init", "-y"], { cwd: dir })
  await exec("npm", ["pkg", "set", "type=module"], { cwd: dir })
  await npm(["i", `effect@${v4Pinned("effect")}`, `@effect/platform-node@${v4Pinned("@effect/platform-node")}`])
  const packed = (await exec("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: repo, encoding: "utf8" }))
    .stdout.trim().split("\n").pop()!
  await npm(["i", join(dir, packed)])
  // The compiler's view of Node's own modules, as any TypeScript project on Node has.
  await npm(["i", "-D", `@types/node@${devDependency("@types/node")}`])
  const fetched = await exec("npx", [...node22, "--version"], { cwd: dir, encoding: "utf8", timeout: 180_000 }).catch((
    error: { stdout?: string; stderr?: string }
  ) => ({ stdout: `${error.stdout ?? ""}`, stderr: `${error.stderr ?? ""}` }))
  if (!fetched.stdout.startsWith("v22.")) {
    throw new Error(
      `Node 22 could not be fetched from the registry (npx -p node@22): ${fetched.stdout}${fetched.stderr}`
    )
  }
}, 480_000)

afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true })
})

const program = `
import { NodeHttpServer } from "@effect/platform-node"
import { Console, Effect, Layer, Result } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import { ClerkError, Clients, Emulator, RetryPolicy } from "effect-clerk/v4"
import * as UndiciHttpClient from "effect-clerk/v4/UndiciHttpClient"
import { createServer } from "node:http"

const EmulatorLive = Emulator.layer({ seedClients: 12, seed: 4 }).pipe(
  Layer.provide(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
)

const session = (name: string, transport: Layer.Layer<HttpClient.HttpClient>) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    const ClerkLive = Clients.layer({
      secretKey: emulator.secretKey,
      apiUrl: emulator.apiUrl,
      retry: RetryPolicy.standard,
      deprecationWarning: false
    }).pipe(Layer.provide(transport))
    return yield* Effect.gen(function*() {
      const clients = yield* Clients.Clients
      const page = yield* clients.list({ limit: 5 })
      const got = yield* clients.get(page.data[2]!.id, { timeout: "2 seconds" })
      const token = yield* emulator.mintToken(got.id)
      const verified = yield* clients.verify({ token })
      const missing = yield* Effect.result(clients.get("client_missing"))
      const notFound = Result.isFailure(missing) && missing.failure._tag === "ClerkErrors"
        ? { status: missing.failure.status, code: missing.failure.errors[0]?.code, typed: ClerkError.isClientsError(missing.failure) }
        : { status: 0, code: "not a ClerkErrors", typed: false }
      const line = { name, total: page.totalCount, listed: page.data.length, got: got.id === page.data[2]!.id, verified: verified.id === got.id, notFound }
      yield* Console.log(JSON.stringify(line))
      return line
    }).pipe(Effect.provide(ClerkLive))
  })

const main = Effect.all([
  session("undici", UndiciHttpClient.layer),
  session("fetch", FetchHttpClient.layer)
]).pipe(Effect.provide(EmulatorLive))

await Effect.runPromise(main)
`

const tsconfig = (moduleResolution: "NodeNext" | "Bundler") => ({
  compilerOptions: {
    target: "ES2022",
    lib: ["ES2022", "DOM"],
    module: moduleResolution === "NodeNext" ? "NodeNext" : "ESNext",
    moduleResolution,
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
    types: ["node"],
    outDir: `out-${moduleResolution}`
  },
  files: ["program.ts"]
})

interface Ran {
  readonly status: number
  readonly stdout: string
  readonly stderr: string
}

/** Asynchronous too: a synchronous tsc of 20 s on a busy machine starves the worker's RPC to vitest. */
const run = (command: string, args: ReadonlyArray<string>): Promise<Ran> =>
  exec(command, [...args], { cwd: dir, encoding: "utf8", timeout: 120_000 }).then(
    ({ stderr, stdout }) => ({ status: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      status: typeof error.code === "number" ? error.code : 1,
      stdout: `${error.stdout ?? ""}`,
      stderr: `${error.stderr ?? ""}`
    })
  )

/** The program compiled to out-NodeNext, once for both runs. */
let compiled: Promise<Ran> | undefined
const compile = () => {
  if (compiled === undefined) {
    writeFileSync(join(dir, "program.ts"), program)
    writeFileSync(join(dir, "tsconfig.NodeNext.json"), JSON.stringify(tsconfig("NodeNext")))
    compiled = run(process.execPath, [tsc, "-p", "tsconfig.NodeNext.json"])
  }
  return compiled
}

const expected = (name: string) => ({
  name,
  total: 12,
  listed: 5,
  got: true,
  verified: true,
  notFound: { status: 404, code: "resource_not_found", typed: true }
})

describe("an Effect 4 project (npm i effect @effect/platform-node, then effect-clerk)", () => {
  it("installs without ERESOLVE or any peer warning", () => {
    expect(installs.length).toBe(3)
    for (const install of installs) {
      expect(install.output).not.toMatch(/ERESOLVE|peer dep|conflicting peer/i)
      expect(install.status).toBe(0)
    }
  })

  it("has one effect, 4.1, and no Effect 3 or @effect/platform anywhere in the tree", async () => {
    const installed: { version: string } = JSON.parse(
      readFileSync(join(dir, "node_modules", "effect", "package.json"), "utf8")
    )
    expect(installed.version).toBe(v4Pinned("effect"))
    const listing = (await run("npm", ["ls", "--all", "--parseable", "--long"])).stdout
    const effects = listing.split("\n").filter((line) => /:effect@/.test(line))
    expect(effects.length).toBeGreaterThan(0)
    for (const line of effects) expect(line).toContain(`:effect@${v4Pinned("effect")}`)
    expect(listing).not.toMatch(/:@effect\/platform@/)
    expect(listing).toMatch(/:effect-clerk@/)
  })

  for (const resolution of ["NodeNext", "Bundler"] as const) {
    it(`type-checks a program on effect-clerk/v4, strictly and without skipLibCheck (${resolution})`, async () => {
      writeFileSync(join(dir, "program.ts"), program)
      writeFileSync(join(dir, `tsconfig.${resolution}.json`), JSON.stringify(tsconfig(resolution)))
      const result = await run(process.execPath, [tsc, "-p", `tsconfig.${resolution}.json`])
      expect(result.stdout + result.stderr).toBe("")
      expect(result.status).toBe(0)
    }, 120_000)
  }

  const runs = [
    { title: `Node ${process.versions.node}`, command: process.execPath, args: [] as ReadonlyArray<string> },
    { title: "Node 22", command: "npx", args: node22 }
  ]
  for (const { args, command, title } of runs) {
    it(
      `runs list, get, verify and a typed 404 against the v4 emulator on undici and effect/http's fetch (${title})`,
      async () => {
        expect((await compile()).status).toBe(0)
        const result = await run(command, [...args, join("out-NodeNext", "program.js")])
        expect(result.stderr).toBe("")
        expect(result.status).toBe(0)
        const lines = result.stdout.trim().split("\n").filter((line) => line.startsWith("{")).map((line) =>
          JSON.parse(line)
        )
        expect(lines).toEqual([expected("undici"), expected("fetch")])
        if (title === "Node 22") expect((await run(command, [...args, "--version"])).stdout).toMatch(/^v22\./)
        expect(result.stdout).not.toContain(emulatorKey)
      },
      120_000
    )
  }
})
