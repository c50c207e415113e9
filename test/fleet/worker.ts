/**
 * One process of a fleet: gets the given ids through its own Clients layer, sharing the key's budget through Redis
 * when told to, and prints one JSON line with what happened (the library itself never writes to stdout).
 * Run by fleet.ts with `node --import tsx`; configured by the FLEET_WORKER environment variable.
 */
import { Effect, Layer, Logger, LogLevel, Redacted } from "effect"
import type { ClerkError } from "../../src/index.js"
import { Clients } from "../../src/index.js"
import * as RedisBudget from "../../src/RedisBudget.js"
import * as UndiciHttpClient from "../../src/UndiciHttpClient.js"

export interface WorkerConfig {
  readonly apiUrl: string
  readonly secretKey: string
  readonly redisUrl?: string
  readonly ids: ReadonlyArray<string>
  readonly concurrency: number
  readonly rateLimit?: Clients.Options["rateLimit"]
  /** Epoch millis at which every worker starts, so that they start together. */
  readonly startAt: number
}

export interface WorkerResult {
  readonly succeeded: number
  /** `reason` (or `ClerkErrors <status>`) of each call that failed. */
  readonly failed: ReadonlyArray<string>
  readonly warnings: ReadonlyArray<string>
  readonly seconds: number
}

const config: WorkerConfig = JSON.parse(process.env.FLEET_WORKER ?? "{}")
const warnings: Array<string> = []
const logger = Logger.make(({ logLevel, message }) => {
  const text = Array.isArray(message) ? message.join(" ") : String(message)
  if (LogLevel.greaterThanEqual(logLevel, LogLevel.Warning)) warnings.push(text)
  process.stderr.write(`[${logLevel.label}] ${text}\n`)
})

const describe = (error: ClerkError.ClientsError) =>
  error._tag === "SDKError" ? error.reason : `ClerkErrors ${error.status ?? ""}`

const program = Effect.gen(function*() {
  const clients = yield* Clients.Clients
  yield* Effect.sleep(Math.max(0, config.startAt - Date.now()))
  const started = performance.now()
  const results = yield* Effect.forEach(config.ids, (id) => Effect.either(clients.get(id)), {
    concurrency: config.concurrency
  })
  const result: WorkerResult = {
    succeeded: results.filter((r) => r._tag === "Right").length,
    failed: results.flatMap((r) => (r._tag === "Left" ? [describe(r.left)] : [])),
    warnings,
    seconds: (performance.now() - started) / 1000
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
})

const layer = Clients.layer({
  secretKey: Redacted.make(config.secretKey),
  apiUrl: config.apiUrl,
  ...(config.rateLimit === undefined ? {} : { rateLimit: config.rateLimit }),
  ...(config.redisUrl === undefined ? {} : { sharedBudget: RedisBudget.store({ url: config.redisUrl }) })
}).pipe(Layer.provide(UndiciHttpClient.layer))

Effect.runPromise(program.pipe(Effect.provide(layer), Effect.provide(Logger.replace(Logger.defaultLogger, logger))))
  .catch((error) => {
    process.stderr.write(`worker failed: ${String(error)}\n`)
    process.exitCode = 1
  })
