/**
 * Clerk's own `@clerk/backend` against the Effect 3 face's emulator, served over HTTP: the suite both faces run
 * (test/shared/officialClient.ts).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Redacted, Scope } from "effect"
import { officialClient } from "./shared/officialClient.js"
import { start } from "./support/EmulatorFixture.js"

officialClient({ describe, it, expect }, {
  name: "Effect 3 face",
  start: (options) =>
    Effect.runPromise(Effect.gen(function*() {
      const scope = yield* Scope.make()
      const { clients, emulator } = yield* Scope.extend(start(options), scope)
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
