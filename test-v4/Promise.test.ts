/**
 * The Effect 4 face's Promise API against a loopback server: values and the very error instances of the Effect API,
 * options from an environment object, aborts that cancel the request, streams, and logs on stderr only.
 */
import { ClerkClients, ClerkError } from "effect-clerk/v4"
import { FetchHttpClient } from "effect/http"
import { afterEach, assert, describe, it, vi } from "vitest"
import { clerkErrors, client } from "../test/support/fixtures.js"
import * as Server from "./support/server.js"

const servers: Array<Server.TestServer> = []
const serve = async () => {
  const server = await Server.start()
  servers.push(server)
  return server
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
  vi.restoreAllMocks()
})

const make = (server: Server.TestServer, options: ClerkClients.Options = {}) =>
  ClerkClients.make({ secretKey: Server.secret, apiUrl: server.apiUrl, httpClient: FetchHttpClient.layer, ...options })

describe("v4 ClerkClients", () => {
  it("get resolves with the client; a 404 rejects with the Effect API's ClerkErrors", async () => {
    const server = await serve()
    server.reply(Server.json(200, client("client_1")), Server.json(404, clerkErrors(404, "resource_not_found")))
    await using clerk = make(server)
    assert.strictEqual((await clerk.clients.get("client_1")).id, "client_1")
    const error: unknown = await clerk.clients.get("client_2").catch((e: unknown) => e)
    assert.instanceOf(error, ClerkError.ClerkErrors)
    assert.isTrue(ClerkError.isClientsError(error))
  })

  it("reads the key and URL from the env object it is given", async () => {
    const server = await serve()
    server.reply(Server.json(200, client("client_env")))
    await using clerk = ClerkClients.make({
      env: { CLERK_SECRET_KEY: Server.secret, CLERK_API_URL: server.apiUrl },
      httpClient: FetchHttpClient.layer
    })
    assert.strictEqual((await clerk.clients.get("client_env")).id, "client_env")
    assert.strictEqual(server.received[0]?.headers.authorization, `Bearer ${Server.secret}`)
  })

  it("no key anywhere throws a TypeError that says what to set", () => {
    assert.throws(
      () => ClerkClients.make({ env: {} }),
      TypeError,
      "effect-clerk: invalid options: CLERK_SECRET_KEY: the Clerk secret key is not set (or is blank), and no secretKey option was given"
    )
    assert.throws(
      () => ClerkClients.make({ secretKey: Server.secret, apiUrl: "http://api.example.com" }),
      TypeError,
      "effect-clerk: invalid options: apiUrl: the API URL must use https"
    )
  })

  it("an aborted call rejects with the signal's reason and cancels the request", async () => {
    const server = await serve()
    server.reply(Server.stall)
    await using clerk = make(server)
    const controller = new AbortController()
    const pending = clerk.clients.get("client_1", { signal: controller.signal }).catch((e: unknown) => e)
    while (server.received.length === 0) await new Promise((r) => setTimeout(r, 2))
    const reason = new Error("stop")
    controller.abort(reason)
    assert.strictEqual(await pending, reason)
    while (server.aborted.length === 0) await new Promise((r) => setTimeout(r, 2))
  })

  it("stream iterates every client; the deprecation warning goes to stderr, never stdout", async () => {
    const server = await serve()
    const all = Array.from({ length: 3 }, (_, i) => client(`client_${i}`))
    server.reply(Server.json(200, { data: all, total_count: 3 }))
    const stdout = vi.spyOn(process.stdout, "write")
    const log = vi.spyOn(console, "log")
    const stderr = vi.spyOn(console, "error").mockImplementation(() => {})
    await using clerk = make(server)
    const ids: Array<string> = []
    for await (const c of clerk.clients.stream({ pageSize: 5 })) ids.push(c.id)
    assert.deepStrictEqual(ids, ["client_0", "client_1", "client_2"])
    assert.strictEqual(stdout.mock.calls.length + log.mock.calls.length, 0)
    assert.match(String(stderr.mock.calls[0]?.[0]), /deprecated by Clerk/)
  })

  it("calls after close reject", async () => {
    const server = await serve()
    const clerk = make(server)
    await clerk.close()
    const error: unknown = await clerk.clients.get("client_1").catch((e: unknown) => e)
    assert.instanceOf(error, Error)
    assert.lengthOf(server.received, 0)
  })

  it("make's retry settings and a call's own become RetryPolicy.backoff of them; false is one attempt", async () => {
    const server = await serve()
    const unavailable = Server.json(503, clerkErrors(503, "service_unavailable"))
    server.reply(...Array.from({ length: 7 }, () => unavailable))
    const attemptsOf = (error: unknown) => (ClerkError.isClientsError(error) ? error.attempts : undefined)
    await using clerk = make(server, {
      rateLimit: false,
      loadShedding: false,
      retry: { maxRetries: 1, initialInterval: "1 millis", jitter: 0 }
    })
    const fromMake: unknown = await clerk.clients.get("client_1").catch((e: unknown) => e)
    assert.deepStrictEqual([attemptsOf(fromMake), server.received.length], [2, 2])
    const perCall: unknown = await clerk.clients
      .get("client_1", { retry: { maxRetries: 3, initialInterval: 1, jitter: 0 } })
      .catch((e: unknown) => e)
    assert.deepStrictEqual([attemptsOf(perCall), server.received.length], [4, 6])
    const once: unknown = await clerk.clients.get("client_1", { retry: false }).catch((e: unknown) => e)
    assert.deepStrictEqual([attemptsOf(once), server.received.length], [1, 7])
  })
})
