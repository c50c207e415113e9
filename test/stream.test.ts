import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Stream, TestClock } from "effect"
import { start } from "./support/EmulatorFixture.js"
import * as Fixtures from "./support/fixtures.js"
import * as TestServer from "./support/TestServer.js"

const ids = <A extends { readonly id: string }>(chunk: Chunk.Chunk<A>) => Chunk.toReadonlyArray(chunk).map((c) => c.id)

/** A scripted list endpoint: `total` clients named c0…, in pages, with the envelope or a bare array. */
const pagesOf = (total: number, envelope = true): TestServer.Reply => (res, req) => {
  const url = new URL(req.url, "http://x")
  const limit = Number(url.searchParams.get("limit"))
  const offset = Number(url.searchParams.get("offset") ?? 0)
  const data = Array.from(
    { length: Math.max(0, Math.min(limit, total - offset)) },
    (_, i) => Fixtures.client(`c${offset + i}`)
  )
  TestServer.json(200, envelope ? { data, total_count: total } : data)(res, req)
}

describe("Clients.stream", () => {
  it.scoped("every client, in order, across pages fetched ahead", () =>
    Effect.gen(function*() {
      const { clients, emulator } = yield* start({ seedClients: 1234 })
      const all = yield* Stream.runCollect(clients.stream({ pageSize: 100, prefetch: 3 }))
      expect(ids(all)).toEqual(emulator.clients.map((c) => c.id))
      expect((yield* emulator.stats).list).toBe(13)
    }))

  it.scoped("resumes from an offset, and handles a final page that is exactly full", () =>
    Effect.gen(function*() {
      const { clients, emulator } = yield* start({ seedClients: 300 })
      const rest = yield* Stream.runCollect(clients.stream({ pageSize: 50, offset: 200 }))
      expect(ids(rest)).toEqual(emulator.clients.slice(200).map((c) => c.id))
      expect((yield* emulator.stats).list).toBe(2) // 200–249, 250–299; total_count says there is no more
    }))

  it.scoped("without total_count, pages sequentially and stops on the first short page", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* TestServer.setup()
      server.reply(pagesOf(23, false))
      const all = yield* Stream.runCollect(clients.stream({ pageSize: 10 }))
      expect(ids(all)).toEqual(Array.from({ length: 23 }, (_, i) => `c${i}`))
      expect(server.received.map((r) => new URL(r.url, server.origin).searchParams.get("offset"))).toEqual([
        "0",
        "10",
        "20"
      ])
    }))

  it.scoped("a failing page fails the stream with the typed error, after the pages before it", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* TestServer.setup({ retry: false })
      const pages = pagesOf(100)
      server.reply((res, req) =>
        req.url.includes("offset=30")
          ? TestServer.json(401, Fixtures.clerkErrors(401, "authentication_invalid"))(res, req)
          : pages(res, req)
      )
      const seen: Array<string> = []
      const error = yield* Effect.flip(
        Stream.runForEach(clients.stream({ pageSize: 10, prefetch: 0 }), (c) => Effect.sync(() => seen.push(c.id)))
      )
      expect(error._tag === "ClerkErrors" && error.status).toBe(401)
      expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => `c${i}`))
    }))

  it.scoped("each page gets the retry policy", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* TestServer.setup()
      const pages = pagesOf(30)
      let failedOnce = false
      server.reply((res, req) => {
        if (req.url.includes("offset=10") && !failedOnce) {
          failedOnce = true
          return TestServer.json(503, Fixtures.clerkErrors(503, "unavailable"))(res, req)
        }
        pages(res, req)
      })
      const fiber = yield* Effect.fork(Stream.runCollect(clients.stream({ pageSize: 10 })))
      yield* TestServer.driveClockUntilDone(fiber)
      expect(ids(yield* Fiber.join(fiber))).toEqual(Array.from({ length: 30 }, (_, i) => `c${i}`))
      expect(server.received).toHaveLength(4)
    }))

  it.scoped("interrupting the stream aborts the pages still in flight, and sends nothing more", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* TestServer.setup()
      const pages = pagesOf(1000)
      server.reply((res, req) => (req.url.includes("offset=0") ? pages(res, req) : TestServer.stall(res, req)))
      const fiber = yield* Effect.fork(
        Stream.runCollect(Stream.take(clients.stream({ pageSize: 100, prefetch: 2 }), 150))
      )
      // The first page arrives; pages 2–4 are requested together and stall.
      yield* server.awaitRequests(4)
      expect(server.received).toHaveLength(4)
      yield* Fiber.interrupt(fiber)
      yield* TestServer.eventually(() => server.aborted.length === 3, "the three in-flight page requests to be aborted")
      yield* TestClock.adjust("1 minute")
      expect(server.received).toHaveLength(4) // nothing more was sent
    }))

  it.scoped("clients created during the stream push the rest to later pages: none of them is lost", () =>
    Effect.gen(function*() {
      const { emulator, clients } = yield* start({ seedClients: 30 }, { deprecationWarning: false })
      const before = emulator.clients.map((c) => c.id)
      let pages = 0
      const seen = yield* clients.stream({ pageSize: 10, prefetch: 0 }).pipe(
        Stream.mapChunksEffect((chunk) => Effect.as(++pages === 1 ? emulator.createClients(4) : Effect.void, chunk)),
        Stream.runCollect
      )
      const streamed = new Set(ids(seen))
      for (const id of before) expect(streamed.has(id)).toBe(true)
      // The 4 that shifted past the first total were read on, page by page.
      expect(seen.length).toBeGreaterThanOrEqual(34)
    }))
})
