// One process of the fleet rows of bench/ratelimit.mjs: gets its share of ids through its own Clients layer (sharing
// the key's budget through Redis when REDIS_URL is set) and prints one JSON line: calls that succeeded and failed.
import { Effect, Layer, Redacted } from "effect"
import { Clients } from "../dist/index.js"
import * as RedisBudget from "../dist/RedisBudget.js"
import * as UndiciHttpClient from "../dist/UndiciHttpClient.js"

const config = JSON.parse(process.env.BENCH_WORKER)
const layer = Clients.layer({
  secretKey: Redacted.make(config.secretKey),
  apiUrl: config.apiUrl,
  rateLimit: config.rateLimit,
  ...(config.redisUrl === undefined ? {} : { sharedBudget: RedisBudget.store({ url: config.redisUrl }) })
}).pipe(Layer.provide(UndiciHttpClient.layer))

const program = Effect.gen(function*() {
  const clients = yield* Clients.Clients
  yield* Effect.sleep(Math.max(0, config.startAt - Date.now()))
  const startedAt = Date.now()
  const results = yield* Effect.forEach(config.ids, (id) => Effect.either(clients.get(id)), { concurrency: 25 })
  const succeeded = results.filter((r) => r._tag === "Right").length
  process.stdout.write(
    `${JSON.stringify({ succeeded, failed: results.length - succeeded, startedAt, endedAt: Date.now() })}\n`
  )
})
await Effect.runPromise(Effect.provide(program, layer))
