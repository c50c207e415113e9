/**
 * effect-clerk as a consumer gets it: the packed tarball installed into a fresh project next to only its required
 * peers (effect, @effect/platform), type-checked strictly without skipLibCheck, its CLI and Promise API run there
 * against the CLI's own emulator. Nothing of this repository's tsconfig, aliases or node_modules is visible to it.
 */
import { spawn, spawnSync } from "node:child_process"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { devDependency, emulatorKey as key, repo, useProject } from "./project.js"

const tsc = join(repo, "node_modules", "typescript", "bin", "tsc")
const current = useProject({ beforeAll, afterAll }, [`@types/node@${devDependency("@types/node")}`], [
  "--clients",
  "30"
])

const run = (command: string, args: ReadonlyArray<string>, env: Record<string, string> = {}, input?: string) =>
  spawnSync(command, args, {
    cwd: current().project.dir,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "", ...env },
    input: input ?? "",
    timeout: 60_000
  })

const program = `
import { Effect, Layer, Metric, Redacted, Schedule, Stream } from "effect"
import { FetchHttpClient } from "@effect/platform"
import { ClerkClients, ClerkError, ClerkMetrics, Client, Clients, ClientsTest, Emulator, RetryPolicy } from "effect-clerk"
import * as UndiciHttpClient from "effect-clerk/UndiciHttpClient"
import * as Promises from "effect-clerk/Promise"
import * as ClientsModule from "effect-clerk/Clients"

const layer = Clients.layer({ secretKey: Redacted.make("sk_test_x"), retry: RetryPolicy.standard.pipe(Schedule.intersect(Schedule.recurs(2))) })
export const program: Effect.Effect<ReadonlyArray<Client.Client>, ClerkError.ClientsError> = Effect.gen(function*() {
  const clients = yield* Clients.Clients
  const page = yield* clients.list({ limit: 2 })
  const one = yield* clients.get(page.data[0]!.id, { timeout: "2 seconds" })
  return yield* Stream.runCollect(clients.stream({ pageSize: 10 })).pipe(Effect.map((chunk) => [one, ...chunk]))
}).pipe(Effect.provide(layer.pipe(Layer.provide(UndiciHttpClient.isSupported ? UndiciHttpClient.layer : FetchHttpClient.layer))), Effect.orDie)
export const tested = Effect.flatMap(Clients.Clients, (c) => c.get("x")).pipe(Effect.provide(ClientsTest.layer({ seedClients: 2, rateLimit: "development" })))
export const emulated: Effect.Effect<string, never, Emulator.Emulator> = Effect.map(Emulator.Emulator, (e) => e.apiUrl)
export const promised: Promise<Client.Client> = ClerkClients.make({ secretKey: "sk_test_x" }).clients.get("x")
const plain: Promises.Options = { timeout: "5 seconds", retry: { maxRetries: 2 } }
export const both = [Promises.make(plain), ClerkClients.make(plain)] as const
export const metric = Metric.value(ClerkMetrics.requests)
export const configured = ClientsModule.layerConfig()
export const guard: (u: unknown) => boolean = ClerkError.isClientsError
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
    noEmit: true,
    types: ["node"]
  },
  files: ["program.ts"]
})

describe("a consumer's project", () => {
  for (const resolution of ["NodeNext", "Bundler"] as const) {
    it(`type-checks a program using every public module, strictly and without skipLibCheck (${resolution})`, () => {
      writeFileSync(join(current().project.dir, "program.ts"), program)
      writeFileSync(join(current().project.dir, `tsconfig.${resolution}.json`), JSON.stringify(tsconfig(resolution)))
      const result = run(process.execPath, [tsc, "-p", `tsconfig.${resolution}.json`])
      expect(result.stdout + result.stderr).toBe("")
      expect(result.status).toBe(0)
    }, 60_000)
  }

  it("installed no package beyond effect-clerk's dependencies and its required peers", () => {
    const listing = run("npm", ["ls", "--all", "--parseable"]).stdout
    for (const absent of ["@effect/cli", "@effect/platform-node", "@effect/printer"]) {
      expect(listing).not.toContain(absent)
    }
    expect(listing).toContain("undici")
  })

  it(
    "runs the CLI: --help, list, get, verify, stream, with the documented exit codes and plain text off a terminal",
    () => {
      const env = { CLERK_SECRET_KEY: key, CLERK_API_URL: current().apiUrl }
      const help = run(current().project.bin, ["--help"])
      expect(help.status).toBe(0)
      expect(help.stdout).toContain("effect-clerk")
      expect(help.stdout).not.toMatch(/\u001b\[/)
      const listed = run(current().project.bin, ["list", "--limit", "3", "--json"], env)
      expect(listed.status).toBe(0)
      const page: { data: Array<{ id: string }>; total_count: number } = JSON.parse(listed.stdout)
      expect([page.data.length, page.total_count]).toEqual([3, 30])
      const got = run(current().project.bin, ["get", page.data[1]!.id, "--json"], env)
      expect([got.status, JSON.parse(got.stdout).id]).toEqual([0, page.data[1]!.id])
      expect(run(current().project.bin, ["get", "client_missing"], env).status).toBe(3)
      expect(run(current().project.bin, ["verify", "--emulator"], {}, "-").status).toBe(0)
      const streamed = run(current().project.bin, ["stream", "--page-size", "7"], env)
      expect(streamed.stdout.trim().split("\n")).toHaveLength(30)
      expect(run(current().project.bin, ["list", "--limit", "0"], env).status).toBe(2)
      expect(run(current().project.bin, ["get", "x"], { CLERK_API_URL: current().apiUrl }).status).toBe(2)
      for (const output of [help, listed, got, streamed]) {
        expect(output.stdout + output.stderr).not.toContain(
          "sk_test_effect"
        )
      }
    },
    60_000
  )

  it("streams into a closed pipe without a stack trace", () => {
    const piped = run("sh", [
      "-c",
      `"${current().project.bin}" stream --emulator --page-size 1 | head -c 100 > /dev/null; echo "exit=\${PIPESTATUS:-$?}"`
    ])
    expect(piped.stderr).not.toContain("EPIPE")
    expect(piped.stderr).not.toContain("Unhandled")
  }, 60_000)

  it("SIGTERM to `npx effect-clerk emulator` stops the emulator: its port is free again", async () => {
    const npx = spawn("npx", ["effect-clerk", "emulator", "--port", "0"], {
      cwd: current().project.dir,
      stdio: ["ignore", "pipe", "pipe"]
    })
    const url = await new Promise<string>((resolve) => {
      npx.stdout.on("data", (chunk: Buffer) => {
        const match = /listening at (\S+)/.exec(chunk.toString())
        if (match) resolve(match[1]!)
      })
    })
    const answers = () => fetch(`${url}/clients`).then(() => true, () => false)
    expect(await answers()).toBe(true)
    npx.kill("SIGTERM")
    let open = true
    for (let i = 0; i < 50 && open; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      open = await answers()
    }
    expect(open).toBe(false)
  }, 30_000)

  it("runs the Promise API, with nothing but the program's output on stdout", () => {
    writeFileSync(
      join(current().project.dir, "promise.mjs"),
      `
import { ClerkClients } from "effect-clerk"
const clerk = ClerkClients.make({ secretKey: process.env.CLERK_SECRET_KEY, apiUrl: process.env.CLERK_API_URL })
try {
  const page = await clerk.clients.list({ limit: 5 })
  const one = await clerk.clients.get(page.data[0].id)
  let streamed = 0
  for await (const _ of clerk.clients.stream({ pageSize: 8 })) streamed++
  console.log(JSON.stringify({ listed: page.data.length, one: one.id === page.data[0].id, streamed }))
} finally {
  await clerk.close()
}
`
    )
    const result = run(process.execPath, ["promise.mjs"], { CLERK_SECRET_KEY: key, CLERK_API_URL: current().apiUrl })
    expect(result.status).toBe(0)
    expect(result.stdout).toBe(`${JSON.stringify({ listed: 5, one: true, streamed: 30 })}\n`)
    expect(result.stderr).toContain("deprecated")
  }, 60_000)

  it("a missing key fails at make with a TypeError, not on the first call", () => {
    writeFileSync(
      join(current().project.dir, "nokey.mjs"),
      `
import { ClerkClients } from "effect-clerk"
try { ClerkClients.make({ secretKey: process.env.NOT_SET }) } catch (e) { console.log(String(e)) }
`
    )
    // No option and no CLERK_SECRET_KEY (blank here, whatever the shell has): make reads the environment.
    expect(run(process.execPath, ["nokey.mjs"], { CLERK_SECRET_KEY: "" }).stdout).toContain(
      "TypeError: effect-clerk: invalid options: CLERK_SECRET_KEY: the Clerk secret key is not set"
    )
  })
})
