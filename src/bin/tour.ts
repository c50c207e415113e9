/**
 * The tour `npm start` runs (`effect-clerk tour`): the library against the emulator over real HTTP.
 *
 * @internal
 */
import { Chunk, Console, Duration, Effect, Stream } from "effect"
import { Clients, Emulator, RetryPolicy } from "../index.js"

const section = (title: string) => Console.log(`\n── ${title} ${"─".repeat(Math.max(0, 60 - title.length))}`)

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.timed(effect), ([elapsed, value]) => ({ value, ms: Math.round(Duration.toMillis(elapsed)) }))

export const tour = Effect.gen(function*() {
  const emulator = yield* Emulator.Emulator
  const clients = yield* Clients.Clients
  yield* Console.log(`effect-clerk tour — emulator serving ${emulator.size} clients at ${emulator.origin}`)

  yield* section("list a page (GET /v1/clients?paginated=true&limit=5)")
  const page = yield* clients.list({ limit: 5 })
  yield* Console.log(`${page.data.length} of ${page.totalCount} clients, newest first:`)
  for (const client of page.data) {
    yield* Console.log(
      `  ${client.id}  ${client.sessions.length} session(s)  last strategy: ${client.lastAuthenticationStrategy ?? "—"}`
    )
  }

  const target = page.data.find((client) => client.sessions.length > 0) ?? page.data[0]!
  yield* section(`get one (GET /v1/clients/${target.id})`)
  const one = yield* clients.get(target.id)
  yield* Console.log(`${one.id}: sessions ${one.sessions.map((s) => `${s.id} [${s.status}]`).join(", ") || "none"}`)

  yield* section("verify a minted client token (POST /v1/clients/verify)")
  const token = yield* emulator.mintToken(target.id)
  const verified = yield* clients.verify({ token })
  yield* Console.log(`token ${token.slice(0, 24)}… belongs to ${verified.id}`)
  const rejected = yield* Effect.flip(clients.verify({ token: token.slice(0, -4) + "AAAA" }))
  yield* Console.log(`a tampered token is refused: ${rejected._tag} ${rejected.message}`)

  yield* section("stream every client (50 per page, one page prefetched)")
  const streamed = yield* timed(Stream.runCollect(clients.stream({ pageSize: 50 })))
  const ids = new Set(Chunk.toReadonlyArray(streamed.value).map((client) => client.id))
  yield* Console.log(`${streamed.value.length} clients in ${streamed.ms} ms, ${ids.size} distinct`)

  yield* section("recover from an injected 429 (Retry-After: 1) and a 503")
  yield* emulator.injectFaults({ status: 429, retryAfter: "1", operation: "get" }, { status: 503, operation: "get" })
  const before = yield* emulator.stats
  const recovered = yield* timed(clients.get(target.id, { retry: RetryPolicy.standard }))
  const after = yield* emulator.stats
  yield* Console.log(
    `got ${recovered.value.id} after ${
      after.get - before.get
    } requests in ${recovered.ms} ms (waited out Retry-After, backed off on 503)`
  )

  yield* section("typed errors")
  const missing = yield* Effect.flip(clients.get("client_does_not_exist"))
  yield* Console.log(`${missing._tag}: ${missing.message}`)
  const invalid = yield* Effect.flip(clients.list({ limit: 501 }))
  yield* Console.log(`${invalid._tag}: ${invalid.message}`)
  yield* Console.log("\nDone.")
})
