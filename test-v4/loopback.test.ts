/**
 * Plain `http` only for loopback, on the Effect 4 face: the suite both faces run (test/shared/loopback.ts), through
 * `Clients.layer` and `ClerkClients.make`.
 */
import { describe, expect, it } from "@effect/vitest"
import { Config, Effect, Layer, Redacted } from "effect"
import { ClerkClients, Clients } from "effect-clerk/v4"
import * as UndiciHttpClient from "effect-clerk/v4/UndiciHttpClient"
import { HttpClient, HttpClientResponse } from "effect/http"
import { loopback, type Outcome, secret, type Transport } from "../test/shared/loopback.js"

/** The recording client answers without any network; the network transport is effect-clerk's undici client. */
const transportLayer = (transport: Transport): Layer.Layer<HttpClient.HttpClient> =>
  transport.kind === "network"
    ? UndiciHttpClient.layer
    : Layer.succeed(
      HttpClient.HttpClient,
      HttpClient.make((request, url) =>
        Effect.sync(() => {
          transport.record(url.href)
          return HttpClientResponse.fromWeb(
            request,
            new Response(transport.body, { status: 200, headers: { "content-type": "application/json" } })
          )
        })
      )
    )

/** No retry, no rate limit, no deprecation warning: one request per call, and nothing else logged. */
const quiet = { retry: false, rateLimit: false, deprecationWarning: false } satisfies Partial<Clients.Options>

loopback({ describe, it, expect }, {
  name: "Effect 4 face",
  layerGet: (apiUrl, transport, id) =>
    Clients.Clients.use((clients) => clients.get(id)).pipe(
      Effect.provide(
        Clients.layer({ ...quiet, secretKey: Redacted.make(secret), apiUrl }).pipe(
          Layer.provide(transportLayer(transport))
        )
      ),
      Effect.match({
        onSuccess: (client): Outcome => ({ _tag: "Success", id: client.id }),
        onFailure: (error): Outcome =>
          error instanceof Config.ConfigError
            ? { _tag: "ConfigError", text: String(error) }
            : { _tag: "OtherFailure", text: String(error) }
      }),
      Effect.runPromise
    ),
  promiseGet: (apiUrl, transport, id) =>
    Effect.acquireUseRelease(
      Effect.try({
        try: () =>
          ClerkClients.make({ ...quiet, secretKey: secret, apiUrl, env: {}, httpClient: transportLayer(transport) }),
        catch: (error): Outcome =>
          error instanceof TypeError
            ? { _tag: "TypeErrorAtMake", text: error.message }
            : { _tag: "OtherFailure", text: String(error) }
      }),
      (clerk) =>
        Effect.tryPromise({
          try: () => clerk.clients.get(id),
          catch: (error): Outcome => ({ _tag: "OtherFailure", text: String(error) })
        }),
      (clerk) => Effect.promise(clerk.close)
    ).pipe(
      Effect.match({ onSuccess: (client): Outcome => ({ _tag: "Success", id: client.id }), onFailure: (o) => o }),
      Effect.runPromise
    )
})
