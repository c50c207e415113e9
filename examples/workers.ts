/**
 * N worker processes on one secret key, sharing its budget through Redis (the README's "Many processes, one key").
 * Runnable: `REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/workers.ts 4` (without `REDIS_URL` each worker paces
 * alone, for contrast). The parent starts the emulator with a production key limited to 50 requests/s, forks the
 * workers (this same file, with `WORKER` set), and prints what each got and how many requests Clerk rejected.
 */
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Effect, Layer, Redacted } from "effect"
import { Clients, Emulator } from "effect-clerk"
import * as RedisBudget from "effect-clerk/RedisBudget"
import * as UndiciHttpClient from "effect-clerk/UndiciHttpClient"
import { fork } from "node:child_process"
import { createServer } from "node:http"
import { fileURLToPath } from "node:url"

interface Job {
  readonly apiUrl: string
  readonly secretKey: string
  readonly ids: ReadonlyArray<string>
}

/** One worker: its share of the gets, through a layer that shares the key's budget when `REDIS_URL` is set. */
export const worker = (job: Job, redisUrl: string | undefined) =>
  Effect.gen(function*() {
    const clients = yield* Clients.Clients
    const results = yield* Effect.forEach(job.ids, (id) => Effect.either(clients.get(id)), { concurrency: 25 })
    return results.filter((result) => result._tag === "Right").length
  }).pipe(
    Effect.provide(
      Clients.layer({
        secretKey: Redacted.make(job.secretKey),
        apiUrl: job.apiUrl,
        // The key's real limit here is 50/s; a production key documents 1,000 per 10 s, so say it.
        rateLimit: { limit: 50, interval: "1 second" },
        ...(redisUrl === undefined ? {} : { sharedBudget: RedisBudget.store({ url: redisUrl }) })
      }).pipe(Layer.provide(UndiciHttpClient.layer))
    )
  )

/** A worker process: its count when it reports one; a worker that exits without reporting fails the run. */
const runWorker = (job: Job) =>
  Effect.async<{ readonly succeeded: number }, Error>((resume) => {
    const child = fork(fileURLToPath(import.meta.url), { env: { ...process.env, WORKER: JSON.stringify(job) } })
    let reported = false
    child.once("message", (message: { readonly succeeded: number }) => {
      reported = true
      resume(Effect.succeed(message))
    })
    child.once("exit", (code, signal) => {
      if (!reported) resume(Effect.fail(new Error(`a worker exited (${signal ?? `code ${code}`}) without reporting`)))
    })
    return Effect.sync(() => child.kill())
  })

const parent = (workers: number, calls: number) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    const ids = emulator.clients.map((client) => client.id)
    const jobs = Array.from({ length: workers }, (_, w): Job => ({
      apiUrl: emulator.apiUrl,
      secretKey: Redacted.value(emulator.secretKey),
      ids: Array.from({ length: Math.floor(calls / workers) }, (_, i) => ids[(w + i * workers) % ids.length]!)
    }))
    const started = Date.now()
    const results = yield* Effect.forEach(jobs, runWorker, { concurrency: "unbounded" })
    const stats = yield* emulator.stats
    yield* Effect.log(
      `${workers} workers, ${process.env.REDIS_URL === undefined ? "each alone" : "sharing through Redis"}: ` +
        `${results.reduce((n, r) => n + r.succeeded, 0)} calls succeeded in ${(Date.now() - started) / 1000} s; ` +
        `${stats.rateLimited} of ${stats.total} requests rejected`
    )
  }).pipe(
    Effect.provide(
      Emulator.layer({
        seedClients: 200,
        secretKey: "sk_live_workers_example",
        rateLimit: { limit: 50, window: "1 second" }
      })
        .pipe(Layer.provide(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })))
    )
  )

if (process.env.WORKER !== undefined) {
  const job: Job = JSON.parse(process.env.WORKER)
  NodeRuntime.runMain(
    Effect.flatMap(worker(job, process.env.REDIS_URL), (succeeded) =>
      Effect.async<void>((resume) => {
        process.send?.({ succeeded }, () => resume(Effect.void))
      }))
  )
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  NodeRuntime.runMain(parent(Number(process.argv[2] ?? 4), 500))
}
