/**
 * Clerk's own `@clerk/backend` works against the emulator unchanged: it is a faithful stand-in. One suite that both
 * faces run (test/OfficialClient.test.ts on Effect 3, test-v4/OfficialClient.test.ts on Effect 4), each against its
 * own emulator served over HTTP on 127.0.0.1.
 *
 * It imports no Effect and no vitest: each runner hands it its own `describe`, `it` and `expect`, and a face adapter
 * that starts the face's emulator. `@clerk/backend` is installed at the root only; this file lives under test/, so it
 * resolves from there on either face.
 */
import { createClerkClient } from "@clerk/backend"
import type { Runner } from "./runner.js"

/** An emulator the face started, with its seeded clients as plain data. */
export interface Started {
  /** Where it listens, without a path: the base `@clerk/backend` takes. */
  readonly origin: string
  /** The base with `/v1`, as effect-clerk takes it. */
  readonly apiUrl: string
  readonly secretKey: string
  readonly clients: ReadonlyArray<{
    readonly id: string
    readonly lastActiveSessionId: string | null
    readonly createdAt: number
  }>
  /** The face's own `Clients.list` against the emulator: each client's id and session statuses. */
  readonly list: (params: { readonly limit: number; readonly offset: number }) => Promise<
    ReadonlyArray<{ readonly id: string; readonly statuses: ReadonlyArray<string> }>
  >
  /** A client token for `clientId`, as the emulator signs them. */
  readonly mintToken: (clientId: string) => Promise<string>
  readonly close: () => Promise<void>
}

export interface Face {
  readonly name: string
  readonly start: (options: { readonly seedClients: number; readonly seed?: number }) => Promise<Started>
}

/** The rejection of `promise`, or a failure of the test if it resolved. */
const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)?.slice(0, 200)}`)
    },
    (error: unknown) => error
  )

const field = (u: unknown, key: string): unknown =>
  typeof u === "object" && u !== null ? Reflect.get(u, key) : undefined

/** A Clerk API error's status and first error, as `@clerk/backend` reports them. */
const apiError = (error: unknown) => {
  const errors = field(error, "errors")
  const first: unknown = Array.isArray(errors) ? errors[0] : undefined
  return {
    status: field(error, "status"),
    code: field(first, "code"),
    longMessage: String(field(first, "longMessage"))
  }
}

const withEmulator = async (
  face: Face,
  options: Parameters<Face["start"]>[0],
  script: (e: Started) => Promise<void>
) => {
  const emulator = await face.start(options)
  try {
    await script(emulator)
  } finally {
    await emulator.close()
  }
}

export const officialClient = ({ describe, expect, it }: Runner, face: Face) => {
  describe(`${face.name}: @clerk/backend against the emulator`, () => {
    it("getClientList, getClient and verifyClient return the emulator's clients", () =>
      withEmulator(face, { seedClients: 12, seed: 5 }, async (emulator) => {
        const clerk = createClerkClient({ secretKey: emulator.secretKey, apiUrl: emulator.origin })

        const official = await clerk.clients.getClientList({ limit: 5, offset: 2 })
        const ours = await emulator.list({ limit: 5, offset: 2 })
        expect(official.totalCount).toBe(12)
        expect(official.data.map((c) => c.id)).toEqual(ours.map((c) => c.id))
        expect(official.data.map((c) => c.id)).toEqual(emulator.clients.slice(2, 7).map((c) => c.id))
        expect(official.data.map((c) => c.sessions.map((s) => s.status))).toEqual(ours.map((c) => c.statuses))

        const target = emulator.clients[4]!
        const one = await clerk.clients.getClient(target.id)
        expect([one.id, one.lastActiveSessionId, one.createdAt]).toEqual([
          target.id,
          target.lastActiveSessionId,
          target.createdAt
        ])

        const verified = await clerk.clients.verifyClient(await emulator.mintToken(target.id))
        expect(verified.id).toBe(target.id)

        const failure = apiError(await rejection(clerk.clients.getClient("client_nope")))
        expect([failure.status, failure.code]).toEqual([404, "resource_not_found"])
      }))

    it("given the base with /v1, it gets a 404 that says the base already ends in /v1", () =>
      withEmulator(face, { seedClients: 2 }, async (emulator) => {
        const clerk = createClerkClient({ secretKey: emulator.secretKey, apiUrl: emulator.apiUrl })
        const failure = apiError(await rejection(clerk.clients.getClientList({ limit: 1 })))
        expect([failure.status, failure.code]).toEqual([404, "resource_not_found"])
        expect(failure.longMessage).toContain("The base URL already ends in /v1")
      }))
  })
}
