import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { ClerkClients, ClerkError } from "../src/index.js"
import { start } from "./support/EmulatorFixture.js"
import * as Fixtures from "./support/fixtures.js"
import * as TestServer from "./support/TestServer.js"

/** What `make` throws when there is no key in the options or the environment. */
const missingKey =
  "TypeError: effect-clerk: invalid options: CLERK_SECRET_KEY: the Clerk secret key is not set (or is " +
  "blank), and no secretKey option was given: pass secretKey, or set CLERK_SECRET_KEY to your Clerk instance's " +
  "secret key, sk_live_… or sk_test_… (Clerk Dashboard, API keys; the local emulator's is sk_test_effect_clerk_emulator)"

/** Answers 200 with a client after `millis` of real time. */
const late = (millis: number): TestServer.Reply => (res, req) => {
  setTimeout(() => TestServer.json(200, Fixtures.client("client_late"))(res, req), millis)
}

/** Runs `body` with `process.env` changed as given, restoring every variable after. */
const withProcessEnv = async <A>(variables: Record<string, string | undefined>, body: () => Promise<A>) => {
  const saved = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]))
  const assign = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
  assign(variables)
  try {
    return await body()
  } finally {
    assign(saved)
  }
}

const sent = (server: TestServer.TestServer) =>
  server.received.map((r) => [r.url, r.headers.authorization, r.headers["clerk-api-version"]])

describe("Promise API reads the environment for the options it is not given", () => {
  it.scoped("CLERK_SECRET_KEY, CLERK_API_URL and CLERK_API_VERSION from env reach the wire", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      server.reply(TestServer.json(200, Fixtures.client("client_env")))
      const clerk = ClerkClients.make({
        env: { CLERK_SECRET_KEY: TestServer.secret, CLERK_API_URL: server.origin, CLERK_API_VERSION: "2025-04-10" }
      })
      expect((yield* Effect.promise(() => clerk.clients.get("client_env"))).id).toBe("client_env")
      yield* Effect.promise(() => clerk.close())
      expect(sent(server)).toEqual([["/v1/clients/client_env", `Bearer ${TestServer.secret}`, "2025-04-10"]])
    }))

  it.scoped("options given win over the environment", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      server.reply(late(150))
      const clerk = ClerkClients.make({
        secretKey: TestServer.secret,
        apiUrl: server.apiUrl,
        apiVersion: "2025-04-10",
        timeout: "10 seconds",
        retry: false,
        env: {
          CLERK_SECRET_KEY: "sk_test_from_env",
          CLERK_API_URL: yield* TestServer.refusedApiUrl,
          CLERK_API_VERSION: "2024-01-01",
          CLERK_TIMEOUT: "50"
        }
      })
      expect((yield* Effect.promise(() => clerk.clients.get("client_late"))).id).toBe("client_late")
      yield* Effect.promise(() => clerk.close())
      expect(sent(server)).toEqual([["/v1/clients/client_late", `Bearer ${TestServer.secret}`, "2025-04-10"]])
    }))

  it.scoped("CLERK_TIMEOUT in milliseconds is the attempt timeout; a malformed one throws, naming the format", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      server.reply(late(150))
      const clerk = ClerkClients.make({
        retry: false,
        env: { CLERK_SECRET_KEY: TestServer.secret, CLERK_API_URL: server.apiUrl, CLERK_TIMEOUT: "50" }
      })
      const error = yield* Effect.promise(() => clerk.clients.get("client_late").catch((e: unknown) => e))
      yield* Effect.promise(() => clerk.close())
      expect(error).toBeInstanceOf(ClerkError.SDKError)
      expect(error).toMatchObject({ reason: "Timeout" })
      const malformed = (() => {
        try {
          return ClerkClients.make({ env: { CLERK_SECRET_KEY: TestServer.secret, CLERK_TIMEOUT: "5 sec later" } })
        } catch (e) {
          return e
        }
      })()
      expect(String(malformed)).toBe(
        "TypeError: effect-clerk: invalid options: CLERK_TIMEOUT: expected a positive duration: milliseconds (5000) " +
          "or a number and a unit (5 seconds, 500 millis, 2 minutes), or infinity for no limit; got \"5 sec later\""
      )
      expect(server.received).toHaveLength(1)
    }))

  it.scoped("a Worker's env bindings: numbers are read as their text, other bindings are left alone", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      server.reply(late(150))
      const clerk = ClerkClients.make({
        retry: false,
        env: {
          CLERK_SECRET_KEY: TestServer.secret,
          CLERK_API_URL: server.apiUrl,
          CLERK_TIMEOUT: 50,
          KV: { get: () => 1 }
        }
      })
      const error = yield* Effect.promise(() => clerk.clients.get("client_late").catch((e: unknown) => e))
      yield* Effect.promise(() => clerk.close())
      expect(error).toMatchObject({ _tag: "SDKError", reason: "Timeout" })
      expect(server.received).toHaveLength(1)
    }))

  it("reads only the variables of the options not given (Deno asks permission for each)", () => {
    const reads: Array<string | symbol> = []
    const recording = new Proxy({}, {
      get: (_, name) => {
        reads.push(name)
        return undefined
      }
    })
    const all = { secretKey: TestServer.secret, apiUrl: "https://api.clerk.com", apiVersion: "2025-04-10", timeout: 5 }
    ClerkClients.make({ ...all, env: recording })
    expect(reads).toEqual([])
    ClerkClients.make({ secretKey: TestServer.secret, timeout: 5, env: recording })
    expect(reads).toEqual(["CLERK_API_URL", "CLERK_API_VERSION"])
  })

  it.scoped("process.env is the default environment", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      server.reply(TestServer.json(200, Fixtures.client("client_env")))
      const id = yield* Effect.promise(() =>
        withProcessEnv(
          { CLERK_SECRET_KEY: TestServer.secret, CLERK_API_URL: server.apiUrl, CLERK_API_VERSION: undefined },
          async () => {
            await using clerk = ClerkClients.make()
            return (await clerk.clients.get("client_env")).id
          }
        )
      )
      expect(id).toBe("client_env")
      expect(sent(server)).toEqual([["/v1/clients/client_env", `Bearer ${TestServer.secret}`, "2026-05-12"]])
    }))

  it.scoped("no process (workerd) or an environment that throws on read (Deno without --allow-env) reads as unset", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      server.reply(TestServer.json(200, Fixtures.client("client_x")))
      const denied = new Proxy({}, {
        get: () => {
          throw new Error("NotCapable: Requires env access to \"CLERK_SECRET_KEY\"")
        }
      })
      const attempt = (options: ClerkClients.Options): { made?: ClerkClients.ClerkClients; thrown?: unknown } => {
        try {
          return { made: ClerkClients.make(options) }
        } catch (e) {
          return { thrown: e }
        }
      }
      expect(String(attempt({ env: denied }).thrown)).toBe(missingKey)
      const descriptor = Object.getOwnPropertyDescriptor(globalThis, "process")!
      Reflect.deleteProperty(globalThis, "process")
      let withoutProcess: ReadonlyArray<ReturnType<typeof attempt>>
      try {
        withoutProcess = [attempt({}), attempt({ secretKey: TestServer.secret, apiUrl: server.apiUrl })]
      } finally {
        Object.defineProperty(globalThis, "process", descriptor)
      }
      expect(String(withoutProcess[0]!.thrown)).toBe(missingKey)
      const made = [attempt({ secretKey: TestServer.secret, apiUrl: server.apiUrl, env: denied }), withoutProcess[1]!]
      for (const { made: clerk, thrown } of made) {
        assert(clerk !== undefined, String(thrown))
        expect((yield* Effect.promise(() => clerk.clients.get("client_x"))).id).toBe("client_x")
        yield* Effect.promise(() => clerk.close())
      }
      expect(server.received).toHaveLength(2)
    }))
})

describe("Promise API", () => {
  it.scoped("list, get, verify and stream, over fetch (default) and undici", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ seedClients: 14 })
      for (const httpClient of [undefined, NodeHttpClient.layerUndici]) {
        const clerk = ClerkClients.make({
          secretKey: "sk_test_effect_clerk_emulator",
          apiUrl: emulator.apiUrl,
          ...(httpClient === undefined ? {} : { httpClient })
        })
        const page = yield* Effect.promise(() => clerk.clients.list({ limit: 4, offset: 1 }))
        expect([page.totalCount, page.data.map((c) => c.id)]).toEqual([
          14,
          emulator.clients.slice(1, 5).map((c) => c.id)
        ])
        const one = yield* Effect.promise(() => clerk.clients.get(emulator.clients[3]!.id))
        expect(one).toEqual(emulator.clients[3])
        const token = yield* emulator.mintToken(emulator.clients[5]!.id)
        expect((yield* Effect.promise(() => clerk.clients.verify({ token }))).id).toBe(emulator.clients[5]!.id)
        const streamed = yield* Effect.promise(async () => {
          const ids: Array<string> = []
          for await (const client of clerk.clients.stream({ pageSize: 4 })) ids.push(client.id)
          return ids
        })
        expect(streamed).toEqual(emulator.clients.map((c) => c.id))
        yield* Effect.promise(() => clerk.close())
      }
    }))

  it.scoped("throws the same ClerkErrors and SDKError instances the Effect API fails with", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ seedClients: 2 })
      const clerk = ClerkClients.make({ secretKey: "sk_test_effect_clerk_emulator", apiUrl: emulator.apiUrl })
      const notFound = yield* Effect.promise(() => clerk.clients.get("client_missing").catch((e: unknown) => e))
      expect(notFound).toBeInstanceOf(ClerkError.ClerkErrors)
      expect(notFound).toMatchObject({ _tag: "ClerkErrors", status: 404 })
      const invalid = yield* Effect.promise(() => clerk.clients.list({ limit: 9000 }).catch((e: unknown) => e))
      expect(invalid).toBeInstanceOf(ClerkError.SDKError)
      expect(invalid).toMatchObject({ _tag: "SDKError", reason: "InvalidRequest" })
      const streamError = yield* Effect.promise(async () => {
        try {
          for await (const _ of clerk.clients.stream({ pageSize: 0 })) void _
          return undefined
        } catch (e) {
          return e
        }
      })
      expect(streamError).toBeInstanceOf(ClerkError.SDKError)
      yield* Effect.promise(() => clerk.close())
    }))

  it.scoped("an AbortSignal cancels the request in flight", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      server.reply(TestServer.stall)
      const clerk = ClerkClients.make({ secretKey: TestServer.secret, apiUrl: server.apiUrl })
      const controller = new AbortController()
      const pending = clerk.clients.get("client_x", { signal: controller.signal }).catch((e: unknown) => e)
      yield* server.awaitRequests(1)
      controller.abort()
      const error = yield* Effect.promise(() => pending)
      expect(error).toBeInstanceOf(DOMException)
      expect(error).toMatchObject({ name: "AbortError" })
      yield* TestServer.eventually(() => server.aborted.length === 1, "the server to see the request cancelled")
      const already = yield* Effect.promise(() =>
        clerk.clients.get("x", { signal: AbortSignal.abort() }).catch((e: unknown) => e)
      )
      expect(already).toMatchObject({ name: "AbortError" })
      expect(server.received).toHaveLength(1)
      yield* Effect.promise(() => clerk.close())
    }))

  it.scoped("an AbortSignal stops a stream and aborts the page in flight", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      const page = TestServer.json(200, {
        data: Array.from({ length: 10 }, (_, i) => Fixtures.client(`c${i}`)),
        total_count: 1000
      })
      server.reply(page, TestServer.stall)
      const clerk = ClerkClients.make({ secretKey: TestServer.secret, apiUrl: server.apiUrl })
      const controller = new AbortController()
      const seen: Array<string> = []
      const done = (async () => {
        try {
          for await (
            const client of clerk.clients.stream({ pageSize: 10, prefetch: 0 }, { signal: controller.signal })
          ) {
            seen.push(client.id)
          }
          return "completed"
        } catch (e) {
          return e
        }
      })()
      yield* server.awaitRequests(2)
      controller.abort()
      const outcome = yield* Effect.promise(() => done)
      expect(outcome).toMatchObject({ name: "AbortError" })
      expect(seen).toHaveLength(10)
      yield* TestServer.eventually(() => server.aborted.length === 1, "the stalled page request to be aborted")
      yield* Effect.promise(() => clerk.close())
    }))

  it.scoped("close() releases the runtime; later calls reject; await using closes too", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      server.reply(TestServer.json(200, Fixtures.client("c1")))
      const result = yield* Effect.promise(async () => {
        let captured: ClerkClients.ClerkClients | undefined
        {
          await using clerk = ClerkClients.make({ secretKey: TestServer.secret, apiUrl: server.apiUrl })
          captured = clerk
          await clerk.clients.get("c1")
        }
        return captured.clients.get("c1").then(() => "resolved", (e: unknown) => String(e))
      })
      expect(result).toContain("closed")
      expect(server.received).toHaveLength(1)
    }))

  it("bad options throw a TypeError from make, naming the problem, never echoing the key", () => {
    const thrown = (options: ClerkClients.Options) => {
      try {
        ClerkClients.make(options)
        return undefined
      } catch (e) {
        return e
      }
    }
    const http = thrown({ secretKey: "sk_test_SECRETVALUE", apiUrl: "http://example.com/v1" })
    expect(http).toBeInstanceOf(TypeError)
    expect(String(http)).toContain("apiUrl: the API URL must use https")
    expect(String(http)).not.toContain("SECRETVALUE")
    // `process.env.CLERK_SECRET_KEY!` with the variable unset: the option is absent, and so is the variable.
    const unset = thrown({ secretKey: Reflect.get({}, "CLERK_SECRET_KEY"), env: {} })
    expect(String(unset)).toBe(missingKey)
    expect(String(thrown({ secretKey: " " }))).toContain("secretKey: the Clerk secret key is empty")
  })

  it.scoped("the library's log lines go to stderr, never stdout", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ seedClients: 2 })
      const writes = { stdout: [] as Array<string>, stderr: [] as Array<string> }
      const spy = (stream: "stdout" | "stderr") => {
        const original = console[stream === "stdout" ? "log" : "error"]
        return { original, replace: (...args: Array<unknown>) => void writes[stream].push(args.map(String).join(" ")) }
      }
      const log = spy("stdout")
      const error = spy("stderr")
      console.log = log.replace
      console.error = error.replace
      try {
        const clerk = ClerkClients.make({ secretKey: "sk_test_effect_clerk_emulator", apiUrl: emulator.apiUrl })
        yield* Effect.promise(() => clerk.clients.list({ limit: 1 }))
        yield* Effect.promise(() => clerk.close())
      } finally {
        console.log = log.original
        console.error = error.original
      }
      expect(writes.stdout).toEqual([])
      expect(writes.stderr.join("\n")).toContain("GET /v1/clients is deprecated")
    }))
})

describe("Promise API retry settings (code without Effect cannot build a Schedule)", () => {
  const unavailable = TestServer.json(503, Fixtures.clerkErrors(503, "service_unavailable"))
  const attemptsOf = (error: unknown) => (ClerkError.isClientsError(error) ? error.attempts : undefined)

  it.scoped("make's retry settings and a call's own become RetryPolicy.backoff of them; false is one attempt", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      server.reply(...Array.from({ length: 7 }, () => unavailable))
      const clerk = ClerkClients.make({
        secretKey: TestServer.secret,
        apiUrl: server.apiUrl,
        rateLimit: false,
        loadShedding: false,
        retry: { maxRetries: 1, initialInterval: "1 millis", jitter: 0 }
      })
      const fromMake = yield* Effect.promise(() => clerk.clients.get("client_1").catch((e: unknown) => e))
      expect([attemptsOf(fromMake), server.received.length]).toEqual([2, 2])
      const perCall = yield* Effect.promise(() =>
        clerk.clients.get("client_1", { retry: { maxRetries: 3, initialInterval: 1, jitter: 0 } }).catch((
          e: unknown
        ) => e)
      )
      expect([attemptsOf(perCall), server.received.length]).toEqual([4, 6])
      const once = yield* Effect.promise(() => clerk.clients.get("client_1", { retry: false }).catch((e: unknown) => e))
      expect([attemptsOf(once), server.received.length]).toEqual([1, 7])
      yield* Effect.promise(() => clerk.close())
    }))
})
