/**
 * Clerk's own `@clerk/backend` against the Effect 4 face's emulator (`Emulator.layer` on `@effect/platform-node` 4's
 * `NodeHttpServer`, 127.0.0.1), called by this face's `Clients` over `effect/http`'s fetch for comparison: the suite
 * both faces run (test/shared/officialClient.ts).
 */
import { NodeHttpServer } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Redacted, Scope } from "effect"
import { Clients, Emulator } from "effect-clerk/v4"
import { FetchHttpClient } from "effect/http"
import { createServer } from "node:http"
import { officialClient } from "../test/shared/officialClient.js"

officialClient({ describe, it, expect }, {
  name: "Effect 4 face",
  start: (options) =>
    Effect.runPromise(Effect.gen(function*() {
      const scope = yield* Scope.make()
      const served = Emulator.layer(options).pipe(
        Layer.provide(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
      )
      const emulator = Context.get(yield* Layer.buildWithScope(served, scope), Emulator.Emulator)
      const clientsLayer = Clients.layer({
        secretKey: emulator.secretKey,
        apiUrl: emulator.apiUrl,
        deprecationWarning: false
      }).pipe(
        Layer.provide(FetchHttpClient.layer)
      )
      const clients = Context.get(yield* Layer.buildWithScope(clientsLayer, scope), Clients.Clients)
      return {
        origin: emulator.origin,
        apiUrl: emulator.apiUrl,
        secretKey: Redacted.value(emulator.secretKey),
        clients: emulator.clients,
        list: (params) =>
          Effect.runPromise(clients.list(params)).then((page) =>
            page.data.map((c) => ({ id: c.id, statuses: c.sessions.map((s) => s.status) }))
          ),
        mintToken: (id) => Effect.runPromise(emulator.mintToken(id)),
        close: () => Effect.runPromise(Scope.close(scope, Exit.void))
      }
    }))
})
