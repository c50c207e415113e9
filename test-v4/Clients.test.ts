/**
 * The Effect 4 face's `Clients.layer` refusing a configuration before anything is sent. What is sent, what comes back
 * and every way a call fails, on each transport, are in the framing suite both faces run (framing.test.ts, from
 * test/shared/framing.ts); retries and time limits on `TestClock` are in resilience.test.ts.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Redacted } from "effect"
import { Clients } from "effect-clerk/v4"
import { FetchHttpClient } from "effect/http"
import * as Server from "./support/server.js"

describe("v4 Clients.layer", () => {
  // The Effect 3 face's twin is "refuses plain http to a remote host, and an empty key" in test/Clients.test.ts.
  it.live("a layer that would send the key over plain http to a remote host fails with a ConfigError", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        Effect.provide(
          Clients.Clients.use((c) => c.get("client_1")),
          Clients.layer({ secretKey: Redacted.make(Server.secret), apiUrl: "http://api.example.com/v1" }).pipe(
            Layer.provide(FetchHttpClient.layer)
          )
        )
      )
      assert.isTrue(Exit.isFailure(exit))
      expect(String(exit)).toContain("the API URL must use https")
    }))
})
