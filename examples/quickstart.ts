/**
 * The README's "Ten lines of Effect", in full: errors handled by tag, layer options, a per-call override. Runnable:
 * `npx tsx examples/quickstart.ts`. It starts the embedded emulator (key `sk_test_effect_clerk_emulator`), so it needs
 * no Clerk account; for real use, pass your key and drop `apiUrl` (or point it at Clerk).
 */
import { NodeHttpClient, NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import type { Redacted } from "effect"
import { Effect, Layer } from "effect"
import { Clients, Emulator, RetryPolicy } from "effect-clerk"
import { createServer } from "node:http"

export const program = (apiUrl: string, secretKey: Redacted.Redacted<string>, token: string) =>
  Effect.gen(function*() {
    const clients = yield* Clients.Clients
    const page = yield* clients.list({ limit: 20, offset: 10 }) // { data: Client[], totalCount }
    const id = page.data[0]?.id ?? "client_2abc"
    const one = yield* clients.get(id) // Client
    const mine = yield* clients.verify({ token }) // Client
    const fast = yield* clients.get(id, { retry: false, timeout: "2 seconds" })
    return { listed: page.data.length, totalCount: page.totalCount, one: one.id, mine: mine.id, fast: fast.id }
  }).pipe(
    Effect.tapErrorTag("ClerkErrors", (e) => Effect.logWarning(e.status, e.errors[0]?.code)), // Clerk answered with an error body
    Effect.tapErrorTag("SDKError", (e) => Effect.logError(e.reason, e.message)), // transport, timeout, status, decode, input
    Effect.provide(Clients.layer({ secretKey, apiUrl, retry: RetryPolicy.standard })),
    Effect.provide(NodeHttpClient.layerUndici)
  )

const main = Effect.gen(function*() {
  const emulator = yield* Emulator.Emulator
  const token = yield* emulator.mintToken(emulator.clients[3]!.id)
  const result = yield* program(emulator.apiUrl, emulator.secretKey, token)
  yield* Effect.log(result)
}).pipe(
  Effect.provide(
    Emulator.layer({ seedClients: 40 }).pipe(
      Layer.provide(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
    )
  )
)

if (import.meta.url === `file://${process.argv[1]}`) NodeRuntime.runMain(main)
