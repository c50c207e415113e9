/**
 * What the fleet suites set up: a rate-limited emulator served on loopback, a private Redis for the test's scope, and
 * a fleet of worker processes (fleet.ts) that start together against them.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Layer, Redacted } from "effect"
import { createServer } from "node:http"
import { Emulator } from "../../src/index.js"
import { deal, startWorker } from "./fleet.js"
import { startRedis } from "./redis.js"
import type { WorkerConfig, WorkerResult } from "./worker.js"

/** The emulator with `options`, on a free loopback port, for the test's scope. */
export const emulator = (options: Emulator.Options) =>
  Effect.map(
    Layer.build(
      Emulator.layer(options).pipe(Layer.provide(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })))
    ),
    (context) => Context.get(context, Emulator.Emulator)
  )

/** A private redis-server, stopped with the test's scope. */
export const redis = Effect.acquireRelease(Effect.promise(startRedis), (server) => Effect.promise(server.stop))

/** `workers` processes that start together 3 s from now and get `calls` ids between them (25 at a time each). */
export const runFleet = (
  server: Emulator.Service,
  workers: number,
  calls: number,
  options: Partial<Pick<WorkerConfig, "redisUrl" | "rateLimit" | "concurrency">>
): Effect.Effect<ReadonlyArray<WorkerResult>> =>
  Effect.promise(() => {
    const startAt = Date.now() + 3000
    const ids = server.clients.map((client) => client.id)
    return Promise.all(
      deal(ids, calls, workers).map((share) =>
        startWorker({
          apiUrl: server.apiUrl,
          secretKey: Redacted.value(server.secretKey),
          ids: share,
          concurrency: 25,
          startAt,
          ...options
        }).result
      )
    )
  })
