import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { ClerkClients, ClerkError } from "../src/index.js"
import { start } from "./support/EmulatorFixture.js"
import * as Fixtures from "./support/fixtures.js"
import * as TestServer from "./support/TestServer.js"

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
    // `process.env.CLERK_SECRET_KEY!` with the variable unset.
    const unset = thrown({ secretKey: Reflect.get({}, "CLERK_SECRET_KEY") })
    expect(String(unset)).toBe(
      "TypeError: effect-clerk: invalid options: secretKey: the Clerk secret key must be a string, got undefined"
    )
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
