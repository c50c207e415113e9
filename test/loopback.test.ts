/**
 * Plain `http` only for loopback, on the Effect 3 face: the suite both faces run (test/shared/loopback.ts), through
 * `Clients.layer` and `ClerkClients.make`; then the check itself on the hostnames the URL parser leaves.
 */
import { HttpClient, HttpClientResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import * as ConfigError from "effect/ConfigError"
import { isLoopbackHost } from "../src/core/options.js"
import { ClerkClients, Clients } from "../src/index.js"
import * as UndiciHttpClient from "../src/UndiciHttpClient.js"
import { loopback, type Outcome, secret, type Transport } from "./shared/loopback.js"

/** The recording client answers without any network; the network transport is effect-clerk's undici client. */
const transportLayer = (transport: Transport): Layer.Layer<HttpClient.HttpClient> =>
  transport.kind === "network"
    ? UndiciHttpClient.layer
    : Layer.succeed(
      HttpClient.HttpClient,
      HttpClient.make((request) =>
        Effect.sync(() => {
          transport.record(request.url)
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
  name: "Effect 3 face",
  layerGet: (apiUrl, transport, id) =>
    Effect.flatMap(Clients.Clients, (clients) => clients.get(id)).pipe(
      Effect.provide(
        Clients.layer({ ...quiet, secretKey: Redacted.make(secret), apiUrl }).pipe(
          Layer.provide(transportLayer(transport))
        )
      ),
      Effect.match({
        onSuccess: (client): Outcome => ({ _tag: "Success", id: client.id }),
        onFailure: (error): Outcome =>
          ConfigError.isConfigError(error)
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

describe("isLoopbackHost, on the hostnames the URL parser leaves", () => {
  it("the parser's short, hex, octal and decimal IPv4 forms of 127.x are loopback; look-alike names are not", () => {
    const hostOf = (url: string) => new URL(url).hostname
    for (
      const url of [
        "http://127.1",
        "http://0x7f.0.0.1",
        "http://0x7f.1",
        "http://0177.0.0.1",
        "http://2130706433",
        "http://127.0.0.1.",
        "http://127.255.0.9",
        "http://[0:0:0:0:0:0:0:1]"
      ]
    ) {
      expect([url, isLoopbackHost(hostOf(url))]).toEqual([url, true])
    }
    for (const host of ["localhost", "LOCALHOST", "[::1]", "127.0.0.1"]) {
      expect([host, isLoopbackHost(host)]).toEqual([host, true])
    }
    for (
      const host of [
        "127.attacker.example",
        "127.0.0.1.nip.io",
        "localhost.",
        "foo.localhost",
        "127.0.0.256",
        "[::ffff:7f00:1]",
        "[::2]"
      ]
    ) {
      expect([host, isLoopbackHost(host)]).toEqual([host, false])
    }
  })
})
