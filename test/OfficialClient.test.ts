/**
 * Clerk's own `@clerk/backend` works against the emulator unchanged: it is a faithful stand-in.
 */
import { createClerkClient } from "@clerk/backend"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Emulator } from "../src/index.js"
import { start } from "./support/EmulatorFixture.js"

describe("@clerk/backend against the emulator", () => {
  it.scoped("getClientList, getClient and verifyClient return the emulator's clients", () =>
    Effect.gen(function*() {
      const { clients, emulator } = yield* start({ seedClients: 12, seed: 5 })
      const clerk = createClerkClient({ secretKey: Emulator.defaultSecretKey, apiUrl: emulator.origin })

      const official = yield* Effect.promise(() => clerk.clients.getClientList({ limit: 5, offset: 2 }))
      const ours = yield* clients.list({ limit: 5, offset: 2 })
      expect(official.totalCount).toBe(12)
      expect(official.data.map((c) => c.id)).toEqual(ours.data.map((c) => c.id))
      expect(official.data.map((c) => c.sessions.map((s) => s.status))).toEqual(
        ours.data.map((c) => c.sessions.map((s) => s.status))
      )

      const target = emulator.clients[4]!
      const one = yield* Effect.promise(() => clerk.clients.getClient(target.id))
      expect([one.id, one.lastActiveSessionId, one.createdAt]).toEqual([
        target.id,
        target.lastActiveSessionId,
        target.createdAt
      ])

      const token = yield* emulator.mintToken(target.id)
      const verified = yield* Effect.promise(() => clerk.clients.verifyClient(token))
      expect(verified.id).toBe(target.id)

      const failure = yield* Effect.promise(() =>
        clerk.clients.getClient("client_nope").then(() => undefined, (e: unknown) => e)
      )
      expect(failure).toMatchObject({ status: 404, errors: [expect.objectContaining({ code: "resource_not_found" })] })
    }))

  it.scoped("given the base with /v1, it gets a 404 that says the base already ends in /v1", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ seedClients: 2 })
      const clerk = createClerkClient({ secretKey: Emulator.defaultSecretKey, apiUrl: emulator.apiUrl })
      const failure = yield* Effect.promise(() =>
        clerk.clients.getClientList({ limit: 1 }).then(() => undefined, (e: unknown) => e)
      )
      expect(failure).toMatchObject({
        status: 404,
        errors: [expect.objectContaining({
          code: "resource_not_found",
          longMessage: expect.stringContaining("The base URL already ends in /v1")
        })]
      })
    }))
})
