import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { layer as pipelineLayer, sessionsByStatus } from "../examples/pipeline.js"
import { main as promiseMain } from "../examples/promise.js"
import { program } from "../examples/quickstart.js"
import { main as telemetryMain } from "../examples/telemetry.js"
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

  it.scoped("promise runs against the emulator", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ seedClients: 250 })
      const token = yield* emulator.mintToken(emulator.clients[1]!.id)
      const result = yield* Effect.promise(() => promiseMain(emulator.apiUrl, "sk_test_effect_clerk_emulator", token))
      expect(result).toEqual({
        listed: 20,
        client: emulator.clients[10]!.id,
        mine: emulator.clients[1]!.id,
        streamed: 250,
        missing: "resource_not_found"
      })
    }))

  it.scopedLive("pipeline counts every session, through injected faults", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ seedClients: 2000, faultRate: 0.1 })
      const counts = yield* sessionsByStatus.pipe(Effect.provide(pipelineLayer(emulator.apiUrl, emulator.secretKey)))
      const expected: Record<string, number> = {}
      for (const client of emulator.clients) {
        for (const s of client.sessions) expected[s.status] = (expected[s.status] ?? 0) + 1
      }
      expect(counts).toEqual(expected)
      expect((yield* emulator.stats).faultsInjected).toBeGreaterThan(0)
    }))

  it.effect("telemetry exports the operations' spans (with retry events) and effect-clerk's metrics to OpenTelemetry", () =>
    Effect.gen(function*() {
      const exported = yield* Effect.promise(telemetryMain)
      expect(exported.streamed).toBe(10)
      const names = exported.spans.map((span) => span.name)
      expect(names).toContain("Clients.get")
      expect(names).toContain("Clients.list")
      expect(names).toContain("Clients.stream")
      expect(exported.spans.find((span) => span.name === "Clients.get")?.events).toContain("retry")
      expect(exported.metrics).toEqual(expect.arrayContaining([
        "effect_clerk_requests_total",
        "effect_clerk_retries_total",
        "effect_clerk_request_duration_ms"
      ]))
    }))
})
