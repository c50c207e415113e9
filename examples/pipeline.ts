/**
 * A resilient pipeline over every client: stream all pages with prefetch, stay under the key's rate limit, retry
 * transient failures with a patient policy, and count sessions by status. `npx tsx examples/pipeline.ts` runs it
 * against the emulator with 10 % injected faults.
 */
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Effect, Layer, type Redacted, Stream } from "effect"
import { Clients, Emulator, RetryPolicy } from "effect-clerk"
import * as UndiciHttpClient from "effect-clerk/UndiciHttpClient"
import { createServer } from "node:http"

const noSessions: Readonly<Record<string, number>> = {}

export const sessionsByStatus = Effect.gen(function*() {
  const clients = yield* Clients.Clients
  return yield* clients.stream({ pageSize: 100, prefetch: 2 }).pipe(
    Stream.flatMap((client) => Stream.fromIterable(client.sessions)),
    Stream.runFold(noSessions, (counts, session) => ({
      ...counts,
      [session.status]: (counts[session.status] ?? 0) + 1
    }))
  )
})

export const layer = (apiUrl: string, secretKey: Redacted.Redacted<string>) =>
  Clients.layer({
    secretKey,
    apiUrl,
    // Clerk allows 1000 requests / 10 s per production key; stay under it instead of collecting 429s.
    rateLimit: { limit: 900, interval: "10 seconds" },
    retry: RetryPolicy.backoff({ initialInterval: "50 millis", maxRetries: 8, maxElapsedTime: "1 minute" }),
    timeout: "5 seconds"
  }).pipe(Layer.provide(UndiciHttpClient.layer))

if (import.meta.url === `file://${process.argv[1]}`) {
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    const counts = yield* sessionsByStatus.pipe(Effect.provide(layer(emulator.apiUrl, emulator.secretKey)))
    yield* Effect.log(counts, `after ${(yield* emulator.stats).faultsInjected} injected faults`)
  }).pipe(
    Effect.provide(
      Emulator.layer({ seedClients: 2000, faultRate: 0.1 }).pipe(
        Layer.provide(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
      )
    ),
    NodeRuntime.runMain
  )
}
