// `npm run bench:ratelimit`: the rate-limit scenarios on the live clock. The emulator (in this process, on a
// loopback port) enforces 50 requests per second the way Clerk does; 1,000 `get`s go through `UndiciHttpClient` with
// the Clients defaults (standard retries, adaptive pacing), at concurrency 50 and 500, and with pacing off (the gate
// alone). Prints wall time against the minimum, requests rejected, and peak RSS.
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Layer } from "effect"
import { createServer } from "node:http"
import { Clients, Emulator } from "../dist/index.js"
import * as UndiciHttpClient from "../dist/UndiciHttpClient.js"

const calls = 1000
const limit = 50
const minimumSeconds = calls / limit - 1

const scenario = (name, concurrency, rateLimit) =>
  Effect.scoped(Effect.gen(function*() {
    const emulator = Context.get(
      yield* Layer.build(
        Emulator.layer({ seedClients: 200, rateLimit: { limit, window: "1 second" } }).pipe(
          Layer.provide(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
        )
      ),
      Emulator.Emulator
    )
    const clients = Context.get(
      yield* Layer.build(
        Clients.layer({
          secretKey: emulator.secretKey,
          apiUrl: emulator.apiUrl,
          ...(rateLimit === undefined ? {} : { rateLimit })
        }).pipe(Layer.provide(UndiciHttpClient.layer))
      ),
      Clients.Clients
    )
    const ids = Array.from({ length: calls }, (_, i) => emulator.clients[i % 200].id)
    let peak = process.memoryUsage.rss()
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50)
    const started = performance.now()
    const results = yield* Effect.forEach(ids, (id) => Effect.either(clients.get(id)), { concurrency })
    const seconds = (performance.now() - started) / 1000
    clearInterval(sampler)
    const stats = yield* emulator.stats
    return {
      scenario: name,
      succeeded: results.filter((r) => r._tag === "Right").length,
      seconds: Number(seconds.toFixed(2)),
      vsMinimum: Number((seconds / minimumSeconds).toFixed(2)),
      requests: stats.total,
      rejected: stats.rateLimited,
      rejectedShare: `${((100 * stats.rateLimited) / stats.total).toFixed(1)} %`,
      peakRssMb: Math.round(peak / 2 ** 20)
    }
  }))

const rows = []
for (
  const [name, concurrency, rateLimit] of [
    ["defaults, c=50", 50, undefined],
    ["defaults, c=500", 500, undefined],
    ["rateLimit: false (gate only), c=50", 50, false]
  ]
) {
  rows.push(await Effect.runPromise(scenario(name, concurrency, rateLimit)))
  process.stderr.write(".")
}
process.stderr.write("\n")
console.log(`\n${calls} gets against ${limit} requests/s (minimum ${minimumSeconds} s), node ${process.version}\n`)
console.table(rows)
