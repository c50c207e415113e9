/**
 * A loopback HTTP server whose replies each test scripts, recording every request exactly as it arrived.
 */
import { NodeHttpClient } from "@effect/platform-node"
import {
  Clock,
  Context,
  Deferred,
  Effect,
  Fiber,
  FiberId,
  Layer,
  Option,
  Redacted,
  type Scope,
  TestClock,
  TestServices
} from "effect"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { Clients } from "../../src/index.js"

export interface Received {
  readonly method: string
  readonly url: string
  readonly headers: IncomingMessage["headers"]
  readonly body: string
}

export type Reply = (res: ServerResponse, req: Received) => void

export interface TestServer {
  /** Base URL including `/v1`. */
  readonly apiUrl: string
  readonly origin: string
  readonly received: Array<Received>
  /** URLs of requests whose connection closed before the response was complete (the client gave up). */
  readonly aborted: Array<string>
  /** Queue replies; once the queue is down to one, that one answers every further request. */
  readonly reply: (...replies: ReadonlyArray<Reply>) => void
  /** Resolves once the server has received `count` requests (waits in real time, a few ms at a time). */
  readonly awaitRequests: (count: number) => Effect.Effect<void>
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => (res) => {
  res.writeHead(status, { "content-type": "application/json", ...headers })
  res.end(typeof body === "string" ? body : JSON.stringify(body))
}

export const text =
  (status: number, body: string, contentType: string, headers: Record<string, string> = {}): Reply => (res) => {
    res.writeHead(status, { "content-type": contentType, ...headers })
    res.end(body)
  }

/** Never answers (until the client gives up or the server closes). */
export const stall: Reply = () => {}

/** Closes the socket without a response. */
export const reset: Reply = (res) => {
  res.socket?.destroy()
}

export const make: Effect.Effect<TestServer, never, Scope.Scope> = Effect.gen(function*() {
  const received: Array<Received> = []
  const aborted: Array<string> = []
  const queue: Array<Reply> = [json(500, { errors: [{ code: "unscripted", message: "no reply scripted" }] })]
  const waiters: Array<{ count: number; done: Deferred.Deferred<void> }> = []
  const server = createServer((req, res) => {
    res.on("close", () => {
      if (!res.writableEnded) aborted.push(req.url ?? "")
    })
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const record: Received = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8")
      }
      received.push(record)
      const next = queue.length > 1 ? queue.shift()! : queue[0]!
      next(res, record)
      for (const w of waiters) if (received.length >= w.count) Deferred.unsafeDone(w.done, Effect.void)
    })
  })
  const sockets = new Set<Socket>()
  server.on("connection", (s) => {
    sockets.add(s)
    s.on("close", () => sockets.delete(s))
  })
  yield* Effect.async<void>((resume) => {
    server.listen(0, "127.0.0.1", () => resume(Effect.void))
  })
  yield* Effect.addFinalizer(() =>
    Effect.async<void>((resume) => {
      for (const s of sockets) s.destroy()
      server.close(() => resume(Effect.void))
    })
  )
  const { port } = server.address() as AddressInfo
  const origin = `http://127.0.0.1:${port}`
  return {
    apiUrl: `${origin}/v1`,
    origin,
    received,
    aborted,
    reply: (...replies) => {
      queue.splice(0, queue.length, ...replies)
    },
    awaitRequests: (count) =>
      Effect.suspend(() => {
        if (received.length >= count) return Effect.void
        const done = Deferred.unsafeMake<void>(FiberId.none)
        waiters.push({ count, done })
        return TestServices.provideLive(Deferred.await(done).pipe(Effect.timeout("10 seconds"), Effect.orDie))
      })
  }
})

export const secret = "sk_test_FAKE_3c1b9d2e7f4a46b8a0c5d1e2f3a4b5c6"

/** `Clients` over undici against the test server, with the given options. */
export const clientsLayer = (server: TestServer, options: Partial<Clients.Options> = {}) =>
  Clients.layer({ secretKey: Redacted.make(secret), apiUrl: server.apiUrl, ...options }).pipe(
    Layer.provide(NodeHttpClient.layerUndici),
    Layer.orDie
  )

/** One turn of the event loop, in real time: lets pending I/O callbacks run. */
const turn = TestServices.provideLive(Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve))))

/** A few turns: enough for an in-memory request (ClientsTest) to go through its promises. */
export const settle = Effect.zipRight(turn, Effect.zipRight(turn, turn))

/**
 * Checks `ready` on every turn of the event loop (not on a fixed real-time step, which a loaded machine can outrun),
 * up to a generous real-time ceiling that only a hung test reaches.
 */
const waitUntil = <A>(ready: Effect.Effect<A | undefined>, what: string, ceilingMillis = 15_000) =>
  Effect.gen(function*() {
    const deadline = Date.now() + ceilingMillis
    while (Date.now() < deadline) {
      const value = yield* ready
      if (value !== undefined) return value
      yield* turn
    }
    return yield* Effect.dieMessage(`timed out waiting for: ${what}`)
  })

/**
 * Waits until at least `count` sleeps have been registered on the TestClock, and returns their wake-up times (ms).
 * TestClock keeps interrupted sleeps in the list, so each attempt's timeout counts as one.
 */
export const awaitSleeps = (count: number) =>
  waitUntil(
    Effect.map(TestClock.sleeps(), (sleeps) => (sleeps.length >= count
      ? Array.from(sleeps).sort((a, b) => a - b)
      : undefined)),
    `${count} sleeps on the TestClock`
  )

/**
 * Runs `fiber` to completion on the TestClock: lets the I/O of the current instant happen, then moves the clock to the
 * next registered sleep, at most 50 ms on (`idleStepMillis` on, if no sleep is registered yet). Calls `observe` with
 * the virtual time passed at every step. Returns the virtual time that passed.
 */
export const driveClockUntilDone = <A, E>(
  fiber: Fiber.Fiber<A, E>,
  options: { readonly observe?: (elapsed: number) => Effect.Effect<void>; readonly idleStepMillis?: number } = {}
) =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    for (let i = 0; i < 200_000; i++) {
      yield* settle
      if (Option.isSome(yield* Fiber.poll(fiber))) return (yield* Clock.currentTimeMillis) - start
      const now = yield* Clock.currentTimeMillis
      if (options.observe !== undefined) yield* options.observe(now - start)
      const next = Array.from(yield* TestClock.sleeps()).filter((at) => at > now).sort((a, b) => a - b)[0]
      yield* TestClock.adjust(next === undefined ? options.idleStepMillis ?? 50 : Math.min(next - now, 50))
    }
    return yield* Effect.dieMessage("the fiber did not finish")
  })

/** Builds the `Clients` service in the test's scope (so its HTTP dispatcher lives as long as the test). */
export const setup = (options: Partial<Clients.Options> = {}) =>
  Effect.gen(function*() {
    const server = yield* make
    const context = yield* Layer.build(clientsLayer(server, options))
    return { server, clients: Context.get(context, Clients.Clients) }
  })

/** An API URL on a loopback port where nothing listens: connections are refused. */
export const refusedApiUrl = Effect.async<string>((resume) => {
  const probe = createServer()
  probe.listen(0, "127.0.0.1", () => {
    const { port } = probe.address() as AddressInfo
    probe.close(() => resume(Effect.succeed(`http://127.0.0.1:${port}/v1`)))
  })
})

/** Waits (in real time) until `check` holds. */
export const eventually = (check: () => boolean, what: string) =>
  Effect.asVoid(waitUntil(Effect.sync(() => (check() ? true : undefined)), what))
