/**
 * The Effect 4 face's spans: one per operation, named by the endpoint table, with the input's attributes and an event
 * per retry; a stream is a span with one `Clients.list` span per page; no span carries the secret key.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Stream, Tracer } from "effect"
import { Clients, RetryPolicy } from "effect-clerk/v4"
import { FetchHttpClient } from "effect/http"
import { TestClock } from "effect/testing"
import { clerkErrors, client } from "../test/support/fixtures.js"
import * as Server from "./support/server.js"

const recording = () => {
  const spans: Array<Tracer.NativeSpan> = []
  const tracer = Tracer.make({
    span: (options) => {
      const span = new Tracer.NativeSpan(options)
      spans.push(span)
      return span
    }
  })
  return { spans, tracer }
}

describe("v4 spans", () => {
  it.effect("get is a Clients.get span with the client id and a retry event; no span holds the key", () =>
    Effect.gen(function*() {
      const server = yield* Server.make
      server.reply(Server.json(503, clerkErrors(503, "unavailable")), Server.json(200, client("client_1")))
      const { spans, tracer } = recording()
      const fiber = yield* Clients.Clients.use((c) => c.get("client_1")).pipe(
        Effect.provide(
          Clients.layer({
            secretKey: Server.secretRedacted,
            apiUrl: server.apiUrl,
            rateLimit: false,
            retry: RetryPolicy.backoff({ jitter: 0 })
          }).pipe(Layer.provide(FetchHttpClient.layer))
        ),
        Effect.withTracer(tracer),
        Effect.forkChild
      )
      yield* Server.eventually(() => server.received.length === 1, "the first attempt")
      yield* TestClock.adjust("500 millis")
      yield* Server.eventually(() => server.received.length === 2, "the retry")
      yield* Fiber.join(fiber)
      const get = spans.find((span) => span.name === "Clients.get")
      assert.isDefined(get)
      assert.strictEqual(get?.attributes.get("clerk.client_id"), "client_1")
      assert.deepStrictEqual(get?.events.map(([name, , attributes]) => [name, attributes["effect_clerk.retry"]]), [
        ["retry", 1]
      ])
      for (const span of spans) {
        const text = JSON.stringify([...span.attributes.entries(), span.events.map(([name, , a]) => [name, a])])
        assert.notInclude(text, Server.secret)
      }
    }))

  it.live("a stream is a Clients.stream span around one Clients.list span per page", () =>
    Effect.gen(function*() {
      const server = yield* Server.make
      const all = Array.from({ length: 5 }, (_, i) => client(`client_${i}`))
      server.reply((res, req) => {
        const url = new URL(req.url, "http://x")
        const offset = Number(url.searchParams.get("offset") ?? 0)
        Server.json(200, { data: all.slice(offset, offset + 2), total_count: all.length })(res, req)
      })
      const { spans, tracer } = recording()
      yield* Clients.Clients.use((c) => Stream.runDrain(c.stream({ pageSize: 2 }))).pipe(
        Effect.provide(
          Clients.layer({ secretKey: Server.secretRedacted, apiUrl: server.apiUrl, deprecationWarning: false }).pipe(
            Layer.provide(FetchHttpClient.layer)
          )
        ),
        Effect.withTracer(tracer)
      )
      const stream = spans.find((span) => span.name === "Clients.stream")
      const lists = spans.filter((span) => span.name === "Clients.list")
      assert.isDefined(stream)
      assert.lengthOf(lists, 3)
      for (const list of lists) {
        assert.strictEqual(list.parent._tag === "Some" ? list.parent.value.spanId : undefined, stream?.spanId)
      }
    }))
})
