import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { program } from "../examples/quickstart.js"
import { start } from "./support/EmulatorFixture.js"

describe("examples", () => {
  it.scoped("quickstart runs against the emulator", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ seedClients: 40 })
      const token = yield* emulator.mintToken(emulator.clients[3]!.id)
      const result = yield* program(emulator.apiUrl, emulator.secretKey, token)
      expect(result).toEqual({
        listed: 20,
        totalCount: 40,
        one: emulator.clients[10]!.id,
        mine: emulator.clients[3]!.id,
        fast: emulator.clients[10]!.id
      })
    }))
})
