/**
 * `Clients.layerConfig` on the Effect 4 face: the `CLERK_*` variables as `@clerk/backend` names them, blank meaning
 * unset, durations as people type them, and the root face's messages when something is wrong; and the deprecation
 * warning, logged once per layer.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Logger } from "effect"
import { Clients } from "effect-clerk/v4"
import { FetchHttpClient } from "effect/http"
import { client } from "../test/support/fixtures.js"
import * as Server from "./support/server.js"

const fromEnv = (env: Record<string, string>) =>
  Clients.layerConfig().pipe(
    Layer.provide(FetchHttpClient.layer),
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnvRecord(env, { preserveEmptyStrings: true })))
  )

describe("v4 Clients.layerConfig", () => {
  it.live("reads the key, the URL and the version from CLERK_*", () =>
    Effect.gen(function*() {
      const server = yield* Server.make
      server.reply(Server.json(200, client("client_1")))
      yield* Clients.Clients.use((c) => c.get("client_1")).pipe(
        Effect.provide(fromEnv({
          CLERK_SECRET_KEY: Server.secret,
          CLERK_API_URL: server.apiUrl,
          CLERK_API_VERSION: "2025-11-10",
          CLERK_TIMEOUT: "5 seconds"
        }))
      )
      assert.strictEqual(server.received[0]?.headers.authorization, `Bearer ${Server.secret}`)
      assert.strictEqual(server.received[0]?.headers["clerk-api-version"], "2025-11-10")
    }))

  it.live("a blank key is unset, and the layer fails saying what to set", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Clients.Clients.use((c) => c.get("client_1")).pipe(Effect.provide(fromEnv({ CLERK_SECRET_KEY: "  " })))
      )
      assert.strictEqual(error._tag, "ConfigError")
      assert.include(
        error.message,
        "the Clerk secret key is not set (or is blank): expected your Clerk instance's secret key"
      )
    }))

  it.live("a CLERK_TIMEOUT that is not a duration fails the layer with the accepted forms", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Clients.Clients.use((c) => c.get("client_1")).pipe(
          Effect.provide(fromEnv({ CLERK_SECRET_KEY: Server.secret, CLERK_TIMEOUT: "soon" }))
        )
      )
      assert.strictEqual(error._tag, "ConfigError")
      assert.include(error.message, "expected a positive duration: milliseconds (5000)")
      assert.include(error.message, "got \"soon\"")
    }))

  it.live("list warns of Clerk's deprecation once per layer, through the logger", () =>
    Effect.gen(function*() {
      const server = yield* Server.make
      server.reply(Server.json(200, { data: [], total_count: 0 }))
      const lines: Array<string> = []
      const logger = Logger.make((options) => {
        lines.push(String(options.message))
      })
      yield* Clients.Clients.use((c) => Effect.andThen(c.list(), c.list({ limit: 1 }))).pipe(
        Effect.provide(
          Clients.layer({ secretKey: Server.secretRedacted, apiUrl: server.apiUrl }).pipe(
            Layer.provide(FetchHttpClient.layer)
          )
        ),
        Effect.provide(Logger.layer([logger]))
      )
      assert.lengthOf(lines.filter((line) => line.includes("GET /v1/clients is deprecated by Clerk")), 1)
      assert.lengthOf(server.received, 2)
    }))
})
