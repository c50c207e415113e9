/**
 * What real processes share through a real Redis besides a fixed rate: the development key's documented budget (with
 * default options), the adaptive rate (`rateLimit: "adaptive"`), and the circuit (a process that starts while another has found Clerk down sheds at once). And the
 * README's runnable example of N workers on one key, run as a user runs it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Redacted } from "effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { startWorker } from "./fleet.js"
import { emulator, redis, runFleet } from "./setup.js"

const repo = fileURLToPath(new URL("../..", import.meta.url))

describe("what four processes share through one Redis (live clock)", () => {
  it.live(
    "default options on a development key: the documented 100 per 10 s is counted once across processes, none lost",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const store = yield* redis
        // Clerk's development limit, enforced in fixed windows as Clerk does.
        const server = yield* emulator({
          seedClients: 100,
          secretKey: "sk_test_fleet_documented",
          rateLimit: { limit: 100, window: "10 seconds" }
        })
        const results = yield* runFleet(server, 4, 300, { redisUrl: store.url })
        const stats = yield* server.stats
        expect(results.flatMap((r) => r.warnings)).toEqual([])
        expect(results.flatMap((r) => r.failed)).toEqual([])
        expect(stats.total - stats.rateLimited).toBe(300)
        // Each process alone would send its 75 in the first window: 200 of the first 300 requests rejected.
        expect(stats.rateLimited).toBeLessThanOrEqual(6)
      })),
    120_000
  )

  it.live(
    "rateLimit \"adaptive\" (never told the limit, 50/s): the rate learned through Redis is the key's; after the first " +
      "second ≤ 2 % of requests rejected and ≤ 1.25× the ideal time, none lost; processes learning alone reject over " +
      "3× as many",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const store = yield* redis
        /** 1,000 calls by four processes; the requests rejected in the first second (the unpaced burst) and after. */
        const run = (secretKey: string, shared: boolean) =>
          Effect.gen(function*() {
            const server = yield* emulator({
              seedClients: 200,
              secretKey,
              rateLimit: { limit: 50, window: "1 second" }
            })
            const running = yield* Effect.fork(
              runFleet(server, 4, 1000, { ...(shared ? { redisUrl: store.url } : {}), rateLimit: "adaptive" })
            )
            // The first second is the one from the first request on (a worker process may be slow to start).
            while ((yield* server.stats).total === 0) yield* Effect.sleep("10 millis")
            yield* Effect.sleep("1 second")
            const first = yield* server.stats
            const results = yield* Fiber.join(running)
            const stats = yield* server.stats
            expect(results.flatMap((r) => r.failed)).toEqual([])
            expect(stats.total - stats.rateLimited).toBe(1000)
            return {
              later: { rejected: stats.rateLimited - first.rateLimited, total: stats.total - first.total },
              seconds: Math.max(...results.map((r) => r.seconds)),
              warnings: results.flatMap((r) => r.warnings)
            }
          })
        const shared = yield* run("sk_live_fleet_adaptive_shared", true)
        const alone = yield* run("sk_live_fleet_adaptive_alone", false)
        expect(shared.warnings).toEqual([])
        expect(shared.later.rejected / shared.later.total).toBeLessThanOrEqual(0.02)
        // 1,000 requests at 50 per second: the last window needed opens 19 s after the first.
        expect(shared.seconds).toBeLessThanOrEqual(19 * 1.25)
        // Each process alone learns its share and raises it as if it were alone: four raises per second key-wide.
        expect(alone.later.rejected).toBeGreaterThan(3 * Math.max(shared.later.rejected, 5))
      })),
    180_000
  )

  it.live(
    "the circuit: a process that starts while another has found Clerk down sheds its calls without sending them",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const store = yield* redis
        const server = yield* emulator({ seedClients: 50, secretKey: "sk_live_fleet_circuit" })
        // Clerk is down throughout: every request is a 503 without Retry-After.
        yield* server.injectFaults({ status: 503, times: 1_000_000 })
        const ids = server.clients.map((client) => client.id)
        const common = { apiUrl: server.apiUrl, secretKey: Redacted.value(server.secretKey), redisUrl: store.url }
        const startAt = Date.now() + 3000
        // The first process finds it out (18 of its last 20 attempts fail) and opens the shared circuit; its calls
        // go on retrying for seconds (delays 0.5, 1, 2 and 4 s), so it keeps probing once a second.
        const first = startWorker({ ...common, ids: ids.slice(0, 40), concurrency: 25, startAt })
        // The second starts 1.5 s later, while the circuit is open.
        const second = startWorker({ ...common, ids: ids.slice(0, 20), concurrency: 1, startAt: startAt + 1500 })
        const [firstResult, secondResult] = yield* Effect.promise(() => Promise.all([first.result, second.result]))
        const stats = yield* server.stats
        expect(firstResult!.failed.filter((reason) => reason === "Shed").length).toBeGreaterThan(0)
        // The second read the open circuit: its calls are shed, bar the probes (one a second, shared) that find Clerk
        // still down. Alone, it would have sent 20 attempts before its own circuit opened.
        expect(secondResult!.failed).toHaveLength(20)
        expect(secondResult!.failed.filter((reason) => reason === "Shed").length).toBeGreaterThanOrEqual(17)
        expect(secondResult!.warnings).toEqual([])
        // Every request either process sent: the first's 20 or so, and probes.
        expect(stats.total).toBeLessThan(40)
      })),
    120_000
  )
})

describe("examples/workers.ts (the README's N workers on one key)", () => {
  it.live(
    "runs as the README says, with REDIS_URL: every call succeeds, few requests rejected",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const store = yield* redis
        const result = yield* Effect.promise(() =>
          new Promise<{ readonly code: number | null; readonly output: string }>((resolve) => {
            const child = spawn(process.execPath, ["--import", "tsx", "examples/workers.ts", "4"], {
              cwd: repo,
              env: { ...process.env, REDIS_URL: store.url },
              stdio: ["ignore", "pipe", "pipe"]
            })
            // The example logs its summary with Effect's default logger: read both streams.
            let output = ""
            child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
            child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
            child.once("exit", (code) => resolve({ code, output }))
          })
        )
        expect(result.code, result.output).toBe(0)
        const summary =
          /4 workers, sharing through Redis: (\d+) calls succeeded in [\d.]+ s; (\d+) of (\d+) requests rejected/
            .exec(result.output)
        expect(summary, result.output).not.toBeNull()
        expect(Number(summary![1])).toBe(500)
        // The key's budget (50/s) is counted once: a few requests at window edges, not the half rejected alone.
        expect(Number(summary![2]) / Number(summary![3])).toBeLessThanOrEqual(0.05)
      })),
    120_000
  )
})
