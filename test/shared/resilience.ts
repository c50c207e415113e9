/**
 * Fault injection, as one suite that both faces run (test/resilience.test.ts on Effect 3, test-v4/resilience.test.ts on
 * Effect 4): a real loopback server (test/shared/server.ts) misbehaves on purpose — 429s and Retry-After, 5xx, other
 * statuses, redirects, refused and reset connections, stalls, bodies that break the spec, huge bodies — and each
 * scenario asserts the exact typed outcome, how many requests the server received, and (on TestClock) how much virtual
 * time passed. Also: time limits on the live clock over a platform HttpClient and effect-clerk's own UndiciHttpClient,
 * a transformClient that routes to two transports, retry logging, and a mixed load.
 *
 * It imports no Effect and no vitest: each runner hands it its own `describe`, `it` and `expect`, and a {@link Face}
 * that builds a real `Clients` layer over a real transport and runs calls, on TestClock or on the live clock, as plain
 * data.
 */
import { clerkErrors, client } from "../support/fixtures.js"
import type { Runner } from "./runner.js"
import { json, refusedApiUrl, type Reply, reset, stall, start, type TestServer, text } from "./server.js"

// ---------------------------------------------------------------------------------------------------------------------
// What the suite needs of a runner and of a face
// ---------------------------------------------------------------------------------------------------------------------

/**
 * The transport under `Clients`:
 * - `platform`: the Effect platform's Node HttpClient (Effect 3: `NodeHttpClient.layerUndici`; Effect 4:
 *   `NodeHttpClient.layerNodeHttp`, as its undici needs Node ≥ 22.19), timed on the Effect clock;
 * - `fetch`: the Effect platform's `FetchHttpClient`, timed on the Effect clock;
 * - `undici`: effect-clerk's own `UndiciHttpClient.layer`, whose attempt timer is a real one;
 * - `routed`: `UndiciHttpClient.layer`, with a `transformClient` that sends every request whose URL contains
 *   `client_elsewhere` through a `platform` HttpClient instead.
 */
export type Transport = "platform" | "fetch" | "undici" | "routed"

/** A face's `RetryPolicy.backoff` options, durations in milliseconds. */
export interface Backoff {
  readonly initialInterval?: number
  readonly maxInterval?: number
  readonly maxElapsedTime?: number
  readonly maxRetries?: number
  readonly jitter?: number
  readonly statusCodes?: ReadonlyArray<number | "5XX">
}

/** A face's `RetryPolicy.standard`, `RetryPolicy.speakeasy`, or `RetryPolicy.backoff(...)`. */
export type Policy = "standard" | "speakeasy" | { readonly backoff: Backoff }

/** A call's options, durations in milliseconds. */
export interface CallOptions {
  readonly retry?: Policy | false
  readonly timeout?: number
  readonly deadline?: number
}

/** `Clients.layer` options (besides the test server's secret key), durations in milliseconds. */
export interface Setup {
  readonly apiUrl: string
  /** Default `platform`. */
  readonly transport?: Transport
  readonly retry?: Policy | false
  readonly timeout?: number
  readonly deadline?: number
  readonly rateLimit?: false | { readonly limit: number; readonly interval: number }
  readonly maxResponseBytes?: number
}

export type Call =
  | { readonly op: "get"; readonly id: string; readonly options?: CallOptions }
  | { readonly op: "list"; readonly options?: CallOptions }

/** A `ClerkErrors` or `SDKError`, as plain data. */
export interface ErrorData {
  readonly _tag: "ClerkErrors" | "SDKError"
  /** The SDKError's reason, or `ClerkErrors`. */
  readonly reason: string
  readonly status: number | undefined
  readonly attempts: number | undefined
  readonly message: string
  readonly description: string | undefined
  readonly retryAfterMillis: number | undefined
  readonly isRetryable: boolean
  readonly contentType: string | undefined
  readonly bodyLength: number | undefined
}

/** A call's outcome: the ids it returned (one for `get`, a page's for `list`), or its error. */
export type Outcome = { readonly ok: true; readonly ids: ReadonlyArray<string> } | {
  readonly ok: false
  readonly error: ErrorData
}

/** A call running in its own fiber. */
export interface Pending<A> {
  /** The result once the fiber is done, else `undefined`. */
  readonly poll: () => Promise<A | undefined>
  readonly join: () => Promise<A>
  /** Interrupts the fiber and waits for it; true when it ended interrupted rather than with a result. */
  readonly interrupt: () => Promise<boolean>
}

/** A `Clients` service built in a session. */
export interface Clients {
  readonly call: (call: Call) => Promise<Outcome>
  readonly fork: (call: Call) => Pending<Outcome>
  /** Every call, at most `concurrency` at a time, in one fiber. */
  readonly forkAll: (calls: ReadonlyArray<Call>, concurrency: number | "unbounded") => Pending<ReadonlyArray<Outcome>>
}

export interface LogLine {
  readonly level: string
  readonly message: string
  readonly annotations: Readonly<Record<string, unknown>>
}

/** One test's Effect environment: on TestClock or on the live clock; what it builds lives until the session ends. */
export interface Session {
  readonly clients: (setup: Setup) => Promise<Clients>
  /** The Effect clock's time, in ms. */
  readonly now: () => Promise<number>
  /** TestClock only. */
  readonly adjust: (millis: number) => Promise<void>
  /** TestClock only. */
  readonly setTime: (epochMillis: number) => Promise<void>
  /**
   * TestClock only: the wake-up times of the sleeps registered and not yet woken by the clock, interrupted ones
   * included (so each attempt's timeout counts as one).
   */
  readonly sleeps: () => Promise<ReadonlyArray<number>>
  /** Every log line of the session, from debug up. */
  readonly logs: ReadonlyArray<LogLine>
}

export interface Face {
  readonly name: string
  /** Runs `body` in a fresh session; fibers it forked are interrupted, and what it built is closed, when it ends. */
  readonly session: <A>(clock: "test" | "live", body: (session: Session) => Promise<A>) => Promise<A>
}

/** A face's error, as far as {@link failure} reads it. */
export type FaceError<D> = {
  readonly _tag: "ClerkErrors"
  readonly status: number
  readonly attempts?: number | undefined
  readonly message: string
  readonly isRetryable: boolean
  readonly retryAfter?: D | undefined
} | {
  readonly _tag: "SDKError"
  readonly reason: string
  readonly description: string
  readonly status?: number | undefined
  readonly attempts?: number | undefined
  readonly message: string
  readonly isRetryable: boolean
  readonly retryAfter?: D | undefined
  readonly contentType?: string | undefined
  readonly body?: string | undefined
}

/** For adapters: a successful call's outcome. */
export const success = (value: { readonly id: string } | { readonly data: ReadonlyArray<{ readonly id: string }> }) =>
  ({ ok: true, ids: "data" in value ? value.data.map((c) => c.id) : [value.id] }) satisfies Outcome

/** For adapters: a failed call's outcome, given how the face reads a duration in ms. */
export const failure = <D>(error: FaceError<D>, millis: (duration: D) => number): Outcome => ({
  ok: false,
  error: {
    _tag: error._tag,
    reason: error._tag === "SDKError" ? error.reason : "ClerkErrors",
    status: error.status,
    attempts: error.attempts,
    message: error.message,
    description: error._tag === "SDKError" ? error.description : undefined,
    retryAfterMillis: error.retryAfter === undefined ? undefined : millis(error.retryAfter),
    isRetryable: error.isRetryable,
    contentType: error._tag === "SDKError" ? error.contentType : undefined,
    bodyLength: error._tag === "SDKError" ? error.body?.length : undefined
  }
})

// ---------------------------------------------------------------------------------------------------------------------
// Waiting and driving the clock, in plain Promises
// ---------------------------------------------------------------------------------------------------------------------

/** One turn of the event loop, in real time: lets pending I/O callbacks run. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve))

/** A few turns: enough for a reply already on the socket to reach the fiber waiting for it. */
const settle = async () => {
  await turn()
  await turn()
  await turn()
}

const realSleep = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis))

/**
 * Checks `ready` on every turn of the event loop (not on a fixed real-time step, which a loaded machine can outrun),
 * up to a generous real-time ceiling that only a hung test reaches.
 */
const waitUntil = async <A>(ready: () => Promise<A | undefined>, what: string, ceilingMillis = 15_000): Promise<A> => {
  const deadline = Date.now() + ceilingMillis
  while (Date.now() < deadline) {
    const value = await ready()
    if (value !== undefined) return value
    await turn()
  }
  throw new Error(`timed out waiting for: ${what}`)
}

const eventually = (check: () => boolean, what: string) =>
  waitUntil(() => Promise.resolve(check() ? true : undefined), what)

/** Waits until at least `count` sleeps are registered on the TestClock; returns their wake-up times, sorted. */
const awaitSleeps = (session: Session, count: number) =>
  waitUntil(async () => {
    const sleeps = await session.sleeps()
    return sleeps.length >= count ? [...sleeps].sort((a, b) => a - b) : undefined
  }, `${count} sleeps on the TestClock`)

/** Waits until a sleep that wakes at `at` is registered on the TestClock. */
const awaitSleepAt = async (session: Session, at: number) => {
  try {
    await waitUntil(async () => ((await session.sleeps()).includes(at) ? true : undefined), `a sleep until ${at} ms`)
  } catch {
    throw new Error(`no sleep until ${at} ms was registered; the sleeps: ${JSON.stringify(await session.sleeps())}`)
  }
}

/**
 * Runs `pending` to completion on the TestClock: lets the I/O of the current instant happen, then moves the clock to
 * the next registered sleep, at most 50 ms on. Returns the result and the virtual time that passed.
 */
const drive = async <A>(session: Session, pending: Pending<A>) => {
  const start = await session.now()
  for (let i = 0; i < 200_000; i++) {
    await settle()
    const result = await pending.poll()
    if (result !== undefined) return { result, virtualMillis: (await session.now()) - start }
    const now = await session.now()
    const next = (await session.sleeps()).filter((at) => at > now).sort((a, b) => a - b)[0]
    await session.adjust(next === undefined ? 50 : Math.min(next - now, 50))
  }
  throw new Error("the call did not finish")
}

/** The error of a failed outcome; throws (failing the test) on a success. */
const failed = (outcome: Outcome): ErrorData => {
  if (outcome.ok) throw new Error(`expected the call to fail, got ${JSON.stringify(outcome.ids)}`)
  return outcome.error
}

/** The ids of a successful outcome; throws (failing the test) on a failure. */
const succeeded = (outcome: Outcome): ReadonlyArray<string> => {
  if (!outcome.ok) throw new Error(`expected the call to succeed, got ${outcome.error.message}`)
  return outcome.ids
}

const get = (id: string, options?: CallOptions): Call =>
  options === undefined ? { op: "get", id } : { op: "get", id, options }

const ok = json(200, client("client_ok"))

// ---------------------------------------------------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------------------------------------------------

export const resilience = ({ describe, expect, it }: Runner, face: Face) => {
  /** A test body with a fresh server, closed after the session (and its `Clients`) ends. */
  const scenario =
    (clock: "test" | "live", body: (session: Session, server: TestServer) => Promise<void>) => async () => {
      const server = await start()
      try {
        await face.session(clock, (session) => body(session, server))
      } finally {
        await server.close()
      }
    }
  const onTestClock = (body: (session: Session, server: TestServer) => Promise<void>) => scenario("test", body)
  const live = (body: (session: Session, server: TestServer) => Promise<void>) => scenario("live", body)

  /** Forks `call`, drives the TestClock until it ends, and reports outcome, requests and virtual time. */
  const run = async (
    session: Session,
    server: { readonly received: ReadonlyArray<unknown> },
    clients: Clients,
    call: Call
  ) => {
    const { result, virtualMillis } = await drive(session, clients.fork(call))
    return { outcome: result, requests: server.received.length, virtualMillis }
  }

  const tooManyRequests = (headers: Record<string, string> = {}) =>
    json(429, clerkErrors(429, "too_many_requests"), headers)

  describe(`${face.name}: rate limiting and Retry-After`, () => {
    it(
      "1. 429 with Retry-After in seconds: waits exactly that long, then succeeds",
      onTestClock(async (session, server) => {
        const clients = await session.clients({ apiUrl: server.apiUrl })
        server.reply(tooManyRequests({ "retry-after": "4" }), ok)
        const pending = clients.fork(get("client_ok"))
        // The wait before the retry is the only sleep: the attempt's own limit is a real timer.
        expect(await awaitSleeps(session, 1)).toContain(4000)
        await session.adjust(3999)
        await settle()
        expect(server.received).toHaveLength(1)
        await session.adjust(1)
        expect(succeeded(await pending.join())).toEqual(["client_ok"])
        expect(server.received).toHaveLength(2)
      })
    )

    it(
      "2. 429 with an HTTP-date Retry-After: waits until that date",
      onTestClock(async (session, server) => {
        const clients = await session.clients({ apiUrl: server.apiUrl })
        await session.setTime(Date.parse("2026-11-26T12:00:00Z"))
        server.reply(tooManyRequests({ "retry-after": "Thu, 26 Nov 2026 12:00:06 GMT" }), ok)
        const pending = clients.fork(get("client_ok"))
        expect(await awaitSleeps(session, 1)).toContain(Date.parse("2026-11-26T12:00:06Z"))
        await session.adjust(5999)
        await settle()
        expect(server.received).toHaveLength(1)
        await session.adjust(1)
        expect(succeeded(await pending.join())).toEqual(["client_ok"])
        expect(server.received).toHaveLength(2)
      })
    )

    it(
      "3. 429 without Retry-After: plain backoff, then success",
      onTestClock(async (session, server) => {
        const clients = await session.clients({ apiUrl: server.apiUrl })
        server.reply(tooManyRequests(), ok)
        const { outcome, requests, virtualMillis } = await run(session, server, clients, get("client_ok"))
        expect(succeeded(outcome)).toEqual(["client_ok"])
        expect(requests).toBe(2)
        expect(virtualMillis).toBeLessThan(1000)
      })
    )

    it(
      "4. Retry-After beyond the policy's budget fails at once with the 429 and its retryAfter",
      onTestClock(async (session, server) => {
        const clients = await session.clients({ apiUrl: server.apiUrl })
        server.reply(tooManyRequests({ "retry-after": "3600" }), ok)
        const { outcome, requests, virtualMillis } = await run(session, server, clients, get("client_ok"))
        const error = failed(outcome)
        expect([error._tag, error.status, error.retryAfterMillis]).toEqual(["ClerkErrors", 429, 3_600_000])
        expect(requests).toBe(1)
        expect(virtualMillis).toBeLessThan(100)
      })
    )

    it(
      "5. Retry-After beyond the call's deadline fails at once instead of timing out later",
      onTestClock(async (session, server) => {
        const clients = await session.clients({
          apiUrl: server.apiUrl,
          retry: { backoff: { maxElapsedTime: 3_600_000 } }
        })
        server.reply(json(503, clerkErrors(503, "unavailable"), { "retry-after": "20" }), ok)
        const { outcome, requests, virtualMillis } = await run(
          session,
          server,
          clients,
          get("client_ok", { deadline: 10_000 })
        )
        const error = failed(outcome)
        expect([error._tag, error.status]).toEqual(["ClerkErrors", 503])
        expect(requests).toBe(1)
        expect(virtualMillis).toBeLessThan(100)
      })
    )

    it(
      "6. the client-side rate limiter keeps 300 concurrent calls under the limit per window",
      onTestClock(async (session, server) => {
        const clients = await session.clients({ apiUrl: server.apiUrl, rateLimit: { limit: 100, interval: 10_000 } })
        server.reply(ok)
        const pending = clients.forkAll(Array.from({ length: 300 }, () => get("client_ok")), "unbounded")
        await eventually(() => server.received.length === 100, "first window")
        await realSleep(50)
        expect(server.received).toHaveLength(100)
        await session.adjust(10_000)
        await eventually(() => server.received.length === 200, "second window")
        await realSleep(50)
        expect(server.received).toHaveLength(200)
        await session.adjust(10_000)
        const outcomes = await pending.join()
        expect(outcomes.filter((o) => o.ok)).toHaveLength(300)
        expect(server.received).toHaveLength(300)
      })
    )
  })

  describe(`${face.name}: server errors`, () => {
    it(
      "7. a burst of 503s then success",
      onTestClock(async (session, server) => {
        const clients = await session.clients({ apiUrl: server.apiUrl })
        const unavailable = json(503, clerkErrors(503, "unavailable"))
        server.reply(unavailable, unavailable, unavailable, ok)
        const { outcome, requests, virtualMillis } = await run(session, server, clients, get("client_ok"))
        expect(succeeded(outcome)).toEqual(["client_ok"])
        expect(requests).toBe(4)
        // 500 + 1000 + 2000 ms of backoff, ±20 %
        expect(virtualMillis).toBeGreaterThanOrEqual(2800)
        expect(virtualMillis).toBeLessThan(4300)
      })
    )

    it(
      "8. 500 forever stops after the standard 5 attempts",
      onTestClock(async (session, server) => {
        const clients = await session.clients({ apiUrl: server.apiUrl })
        server.reply(json(500, clerkErrors(500, "internal_clerk_error")))
        const { outcome, requests } = await run(session, server, clients, get("client_ok"))
        const error = failed(outcome)
        expect([error._tag, error.status, error.attempts]).toEqual(["ClerkErrors", 500, 5])
        expect(requests).toBe(5)
      })
    )

    it(
      "9. 500 forever under the speakeasy policy stops at its one-hour budget",
      onTestClock(async (session, server) => {
        const clients = await session.clients({ apiUrl: server.apiUrl, retry: "speakeasy" })
        server.reply(json(500, clerkErrors(500, "internal_clerk_error")))
        const pending = clients.fork(get("client_ok"))
        // Jump in big steps: 0.5 s ×1.5 capped at 60 s (+0–1 s) reaches the hour after ~70 attempts.
        let outcome: Outcome | undefined
        for (let i = 0; i < 400 && outcome === undefined; i++) {
          await realSleep(1)
          outcome = await pending.poll()
          if (outcome === undefined) await session.adjust(15_000)
        }
        const error = failed(outcome ?? await pending.join())
        expect(error.status).toBe(500)
        expect(server.received.length).toBeGreaterThan(60)
        expect(server.received.length).toBeLessThan(90)
      }),
      60_000
    )

    it(
      "10. 501 is not retried",
      onTestClock(async (session, server) => {
        const clients = await session.clients({ apiUrl: server.apiUrl })
        server.reply(json(501, clerkErrors(501, "not_implemented")), ok)
        const { outcome, requests } = await run(session, server, clients, get("client_ok"))
        const error = failed(outcome)
        expect([error._tag, error.status]).toEqual(["ClerkErrors", 501])
        expect(requests).toBe(1)
      })
    )

    it(
      "11. an HTML 502 from a proxy is a retried StatusCode error",
      onTestClock(async (session, server) => {
        const clients = await session.clients({ apiUrl: server.apiUrl })
        const badGateway = text(502, "<html><body>502 Bad Gateway</body></html>", "text/html")
        server.reply(badGateway, ok)
        const { outcome, requests } = await run(session, server, clients, get("client_ok"))
        expect(succeeded(outcome)).toEqual(["client_ok"])
        expect(requests).toBe(2)
        // Without retries the same page is an SDKError StatusCode that says it is worth retrying.
        server.reply(badGateway, ok)
        const single = failed((await run(session, server, clients, get("client_ok", { retry: false }))).outcome)
        expect([single._tag, single.reason, single.status, single.isRetryable, single.contentType])
          .toEqual(["SDKError", "StatusCode", 502, true, "text/html"])
      })
    )

    for (const [index, status] of [401, 404, 410, 422].entries()) {
      it(
        `${12 + index}. ${status} with a Clerk body is not retried`,
        onTestClock(async (session, server) => {
          const clients = await session.clients({ apiUrl: server.apiUrl })
          server.reply(json(status, clerkErrors(status, `code_${status}`)), ok)
          const call: Call = status === 410 || status === 422 ? { op: "list" } : get("client_ok")
          const { outcome, requests } = await run(session, server, clients, call)
          const error = failed(outcome)
          expect([error._tag, error.status]).toEqual(["ClerkErrors", status])
          expect(requests).toBe(1)
        })
      )
    }

    it(
      "15b. a 400 is never retried, whatever the policy says",
      onTestClock(async (session, server) => {
        const clients = await session.clients({
          apiUrl: server.apiUrl,
          retry: { backoff: { statusCodes: [400, "5XX"] } }
        })
        server.reply(json(400, clerkErrors(400, "bad_request")), ok)
        const { outcome, requests } = await run(session, server, clients, get("client_ok"))
        const error = failed(outcome)
        expect([error._tag, error.status, error.attempts]).toEqual(["ClerkErrors", 400, 1])
        expect(requests).toBe(1)
      })
    )

    it(
      "16. a 3xx redirect is not followed (the key never goes elsewhere) and not retried",
      onTestClock(async (session, server) => {
        const clients = await session.clients({ apiUrl: server.apiUrl })
        server.reply(text(302, "", "text/plain", { location: "http://127.0.0.2:9/steal" }))
        const { outcome, requests } = await run(session, server, clients, get("client_ok"))
        const error = failed(outcome)
        expect([error.reason, error.status]).toEqual(["StatusCode", 302])
        expect(requests).toBe(1)
      })
    )
  })

  describe(`${face.name}: transport failures and timeouts`, () => {
    it(
      "17. connection refused: Transport, retried, final error says 5 attempts",
      onTestClock(async (session) => {
        const clients = await session.clients({ apiUrl: await refusedApiUrl() })
        const { outcome } = await run(session, { received: [] }, clients, get("client_ok"))
        const error = failed(outcome)
        expect([error.reason, error.attempts]).toEqual(["Transport", 5])
        expect(error.message).toContain("ECONNREFUSED")
      })
    )

    it(
      "18. connection reset before headers, then success",
      onTestClock(async (session, server) => {
        const clients = await session.clients({ apiUrl: server.apiUrl })
        server.reply(reset, ok)
        const { outcome, requests } = await run(session, server, clients, get("client_ok"))
        expect(succeeded(outcome)).toEqual(["client_ok"])
        expect(requests).toBe(2)
      })
    )

    it(
      "19. connection reset mid-body is Transport, then success",
      onTestClock(async (session, server) => {
        const clients = await session.clients({ apiUrl: server.apiUrl })
        const body = JSON.stringify(client("client_ok"))
        const resetMidBody: Reply = (res) => {
          res.writeHead(200, { "content-type": "application/json", "content-length": String(body.length) })
          res.write(body.slice(0, 100), () => res.socket?.destroy())
        }
        server.reply(resetMidBody, resetMidBody, ok)
        expect(failed(await clients.call(get("client_ok", { retry: false }))).reason).toBe("Transport")
        const { outcome, requests } = await run(session, server, clients, get("client_ok"))
        expect(succeeded(outcome)).toEqual(["client_ok"])
        expect(requests).toBe(3)
      })
    )

    it(
      "20. a stall past the attempt timeout is a Timeout (a real timer, whatever the clock), retried after the backoff on the TestClock, then success",
      onTestClock(async (session, server) => {
        const clients = await session.clients({ apiUrl: server.apiUrl, timeout: 150 })
        server.reply(stall, ok)
        const started = Date.now()
        const { outcome, requests, virtualMillis } = await run(session, server, clients, get("client_ok"))
        expect(succeeded(outcome)).toEqual(["client_ok"])
        expect(requests).toBe(2)
        expect(Date.now() - started).toBeGreaterThanOrEqual(145)
        expect(virtualMillis).toBeGreaterThanOrEqual(400) // the standard policy's first backoff, 500 ms ± 20 %
        await eventually(() => server.aborted.length === 1, "the stalled request's socket to close")
      })
    )

    it(
      "21. a stall longer than the overall deadline ends with Timeout at the deadline",
      onTestClock(async (session, server) => {
        // No attempt limit, so only the deadline (on the Effect clock) can end the stall.
        const clients = await session.clients({ apiUrl: server.apiUrl, timeout: Number.POSITIVE_INFINITY })
        server.reply(stall)
        const { outcome, virtualMillis, requests } = await run(
          session,
          server,
          clients,
          get("client_ok", { deadline: 6000 })
        )
        const error = failed(outcome)
        expect([error.reason, error.description]).toEqual(["Timeout", "call deadline of 6s passed"])
        expect(virtualMillis).toBeGreaterThanOrEqual(6000)
        expect(virtualMillis).toBeLessThan(6200)
        expect(requests).toBe(1)
        await eventually(() => server.aborted.length === 1, "the stalled socket to close")
      })
    )

    it(
      "21b. when the next retry would start after the deadline, the last real error is returned at once",
      live(async (session, server) => {
        const clients = await session.clients({ apiUrl: server.apiUrl, timeout: 100 })
        server.reply(stall)
        const started = Date.now()
        const error = failed(await clients.call(get("client_ok", { deadline: 350 })))
        // Attempt 1 times out at 100 ms; the retry would start after 400-600 ms of backoff, past the deadline.
        expect([error.reason, error.description]).toEqual(["Timeout", "attempt exceeded 100ms"])
        expect(Date.now() - started).toBeLessThan(350)
        expect(server.received).toHaveLength(1)
      })
    )

    it(
      "22. interrupting the caller aborts the request in flight (the server sees the socket close)",
      onTestClock(async (session, server) => {
        const clients = await session.clients({ apiUrl: server.apiUrl })
        server.reply(stall)
        const pending = clients.fork(get("client_ok"))
        await server.awaitRequests(1)
        expect(await pending.interrupt()).toBe(true)
        await eventually(() => server.aborted.length === 1, "the server to see the connection close")
        expect(server.received).toHaveLength(1)
      })
    )
  })

  describe(`${face.name}: on the live clock, through a platform HttpClient (its attempt limit a real timer)`, () => {
    it(
      "20L. a stalled attempt times out in real time, the socket is closed, and a retry succeeds",
      live(async (session, server) => {
        const clients = await session.clients({
          apiUrl: server.apiUrl,
          timeout: 150,
          retry: { backoff: { initialInterval: 10, jitter: 0 } }
        })
        server.reply(stall, ok)
        const started = Date.now()
        expect(succeeded(await clients.call(get("client_ok")))).toEqual(["client_ok"])
        expect(Date.now() - started).toBeGreaterThanOrEqual(150)
        expect(server.received).toHaveLength(2)
        await eventually(() => server.aborted.length === 1, "the timed-out request's socket to close")
        server.reply(stall)
        const error = failed(await clients.call(get("client_ok", { retry: false, timeout: 100 })))
        expect([error.reason, error.description]).toEqual(["Timeout", "attempt exceeded 100ms"])
      })
    )

    it(
      "21L. the call deadline fires in real time and aborts the attempt in flight",
      live(async (session, server) => {
        const clients = await session.clients({ apiUrl: server.apiUrl, timeout: 30_000 })
        server.reply(stall)
        const error = failed(await clients.call(get("client_ok", { deadline: 150 })))
        expect([error.reason, error.description]).toEqual(["Timeout", "call deadline of 150ms passed"])
        await eventually(() => server.aborted.length === 1, "the request to be aborted")
        expect(server.received).toHaveLength(1)
      })
    )

    it(
      "22L. interrupting the caller mid-attempt aborts the request, and the call ends interrupted",
      live(async (session, server) => {
        const clients = await session.clients({ apiUrl: server.apiUrl, timeout: 30_000 })
        server.reply(stall)
        const pending = clients.fork(get("client_ok"))
        await server.awaitRequests(1)
        expect(await pending.interrupt()).toBe(true)
        await eventually(() => server.aborted.length === 1, "the server to see the connection close")
        expect(server.received).toHaveLength(1)
      })
    )
  })

  describe(`${face.name}: timeouts enforced by effect-clerk's own UndiciHttpClient exchange (one real timer, no fork)`, () => {
    it(
      "a stall before the headers, and one in the middle of the body, are Timeouts; the sockets close",
      live(async (session, server) => {
        const clients = await session.clients({
          apiUrl: server.apiUrl,
          transport: "undici",
          timeout: 150,
          retry: false
        })
        const body = JSON.stringify(client("client_ok"))
        server.reply(stall, (res) => {
          res.writeHead(200, { "content-type": "application/json", "content-length": String(body.length) })
          res.write(body.slice(0, 40))
        }, ok)
        for (let i = 0; i < 2; i++) {
          const error = failed(await clients.call(get("client_ok")))
          expect([error.reason, error.description]).toEqual(["Timeout", "attempt exceeded 150ms"])
        }
        await eventually(() => server.aborted.length === 2, "both sockets to close")
        expect(succeeded(await clients.call(get("client_ok")))).toEqual(["client_ok"])
      })
    )

    it(
      "with retries: the timed-out attempt is retried and the call succeeds",
      live(async (session, server) => {
        const clients = await session.clients({
          apiUrl: server.apiUrl,
          transport: "undici",
          timeout: 100,
          retry: { backoff: { initialInterval: 5, jitter: 0 } }
        })
        server.reply(stall, stall, ok)
        expect(succeeded(await clients.call(get("client_ok")))).toEqual(["client_ok"])
        expect(server.received).toHaveLength(3)
      })
    )

    it(
      "its timer is real: under TestClock a stalled attempt still times out, in real time",
      onTestClock(async (session, server) => {
        const clients = await session.clients({
          apiUrl: server.apiUrl,
          transport: "undici",
          timeout: 150,
          retry: false
        })
        server.reply(stall)
        const started = Date.now()
        const error = failed(await clients.call(get("client_ok")))
        expect(error.reason).toBe("Timeout")
        expect(Date.now() - started).toBeGreaterThanOrEqual(140)
        expect(await session.sleeps()).toEqual([])
      })
    )
  })

  describe(`${face.name}: a transformClient that sends some requests through another transport`, () => {
    // One route goes through the platform's undici HttpClient, the rest through UndiciHttpClient's HttpClient: every
    // request goes through the adapter (a transformClient must see every request), so every route has its time limit,
    // in any order of first use.
    for (const order of [["client_ok", "client_elsewhere"], ["client_elsewhere", "client_ok"]] as const) {
      it(
        `a stall on either route times out, whichever route is used first (${order.join(", then ")})`,
        live(async (session, server) => {
          const clients = await session.clients({
            apiUrl: server.apiUrl,
            transport: "routed",
            timeout: 300,
            retry: false
          })
          server.reply(ok)
          expect(succeeded(await clients.call(get(order[0])))).toEqual(["client_ok"])
          server.reply(stall)
          const started = Date.now()
          const error = failed(await clients.call(get(order[1])))
          expect([error.reason, error.description]).toEqual(["Timeout", "attempt exceeded 300ms"])
          expect(Date.now() - started).toBeLessThan(2_000)
          await eventually(() => server.aborted.length === 1, "the stalled request's socket to close")
          expect(server.received.map((r) => r.url)).toEqual([`/v1/clients/${order[0]}`, `/v1/clients/${order[1]}`])
        })
      )
    }
  })

  describe(`${face.name}: bodies that are not what the spec promises (never retried)`, () => {
    const cases: ReadonlyArray<readonly [string, Reply, string]> = [
      ["23. truncated JSON", text(200, JSON.stringify(client()).slice(0, 50), "application/json"), "invalid JSON"],
      ["24. invalid JSON", text(200, "{object: client}", "application/json"), "invalid JSON"],
      ["25. text/plain 200", text(200, "OK", "text/plain"), "text/plain"],
      ["26. empty 200 body", text(200, "", "application/json"), "invalid JSON"],
      ["27. 200 with a body that breaks the schema", json(200, client("c", { created_at: "yesterday" })), "created_at"],
      ["28. 200 with the wrong object type", json(200, { ...client(), object: "session" }), "object"]
    ]
    for (const [name, reply, mentions] of cases) {
      it(
        name,
        onTestClock(async (session, server) => {
          const clients = await session.clients({ apiUrl: server.apiUrl })
          server.reply(reply, ok)
          const { outcome, requests } = await run(session, server, clients, get("client_ok"))
          const error = failed(outcome)
          expect([error._tag, error.reason]).toEqual(["SDKError", "Decode"])
          expect(error.description).toContain(mentions)
          expect(requests).toBe(1)
        })
      )
    }

    it(
      "29. a huge body is cut at maxResponseBytes, with or without Content-Length",
      onTestClock(async (session, server) => {
        const clients = await session.clients({ apiUrl: server.apiUrl, maxResponseBytes: 64 * 1024 })
        const huge = JSON.stringify(client("c", { sign_in_id: "x".repeat(1024 * 1024) }))
        server.reply(
          (res) => {
            res.writeHead(200, { "content-type": "application/json", "content-length": String(huge.length) })
            res.end(huge)
          },
          (res) => {
            res.writeHead(200, { "content-type": "application/json" }) // chunked, no length
            for (let i = 0; i < huge.length; i += 16 * 1024) res.write(huge.slice(i, i + 16 * 1024))
            res.end()
          }
        )
        for (let i = 0; i < 2; i++) {
          const error = failed(await clients.call(get("c")))
          expect([error._tag, error.reason]).toEqual(["SDKError", "Decode"])
          expect(error.description).toContain("65536-byte limit")
          expect(error.bodyLength).toBeLessThan(2200)
        }
        expect(server.received).toHaveLength(2)
      })
    )
  })

  describe(`${face.name}: observability`, () => {
    it(
      "30. each retry is logged at debug level with attempt, delay and reason",
      onTestClock(async (session, server) => {
        const clients = await session.clients({ apiUrl: server.apiUrl })
        server.reply(json(503, clerkErrors(503, "unavailable")), text(502, "bad", "text/html"), ok)
        const { outcome } = await run(session, server, clients, get("client_ok"))
        expect(succeeded(outcome)).toEqual(["client_ok"])
        const retries = session.logs.filter((line) => line.message.includes("retry"))
        expect(retries).toHaveLength(2)
        expect(`${retries[0]!.level.toUpperCase()} ${retries[0]!.message}`).toMatch(
          /^DEBUG Clients\.get: retry 1 in \d+ ms$/
        )
        expect(retries[0]!.annotations["effect_clerk.reason"]).toBe("ClerkErrors")
        expect(retries[0]!.annotations["http.response.status_code"]).toBe(503)
        expect(`${retries[1]!.level.toUpperCase()} ${retries[1]!.message}`).toMatch(
          /^DEBUG Clients\.get: retry 2 in \d+ ms$/
        )
        expect(retries[1]!.annotations["effect_clerk.reason"]).toBe("StatusCode")
        expect(retries[1]!.annotations["http.response.status_code"]).toBe(502)
      })
    )
  })

  describe(`${face.name}: mixed load`, () => {
    it(
      "31. 2,000 calls at concurrency 100 with 30% injected transient faults all succeed, none lost or doubled",
      live(async (session, server) => {
        const clients = await session.clients({
          apiUrl: server.apiUrl,
          // Real time here, so tiny delays; the timing rules themselves are covered on TestClock above.
          retry: { backoff: { initialInterval: 1, maxInterval: 5, maxRetries: 20, jitter: 0 } },
          // A steady 6 % of 429s would (rightly) slow the adaptive pacer down; this test is about retries.
          rateLimit: false
        })
        let n = 0
        const faults: ReadonlyArray<Reply> = [
          json(503, clerkErrors(503, "unavailable")),
          tooManyRequests({ "retry-after": "0" }),
          text(502, "<html>bad gateway</html>", "text/html"),
          reset,
          json(500, clerkErrors(500, "boom"))
        ]
        server.reply((res, req) => {
          n++
          // A fixed pseudo-random 30 %: deterministic, so a failure reproduces.
          if ((n * 2654435761) % 1000 < 300) return faults[n % faults.length]!(res, req)
          const id = decodeURIComponent(req.url.slice("/v1/clients/".length))
          json(200, client(id))(res, req)
        })
        const ids = Array.from({ length: 2000 }, (_, i) => `client_${i}`)
        const outcomes = await clients.forkAll(ids.map((id) => get(id)), 100).join()
        expect(outcomes.flatMap(succeeded)).toEqual(ids)
        const faulted = server.received.length - 2000
        expect(faulted).toBeGreaterThan(500)
        expect(new Set(server.received.map((r) => r.url)).size).toBe(2000)
      }),
      60_000
    )
  })

  describe(`${face.name}: the same retry and time-limit rules over each stock transport`, () => {
    for (const transport of ["platform", "fetch"] as const) {
      // The first reply, and when its retry is due: the policy's first delay, or a longer Retry-After.
      const delayed = [
        ["a 503 is retried after the policy's delay, and only then", json(503, clerkErrors(503, "unavailable")), 500],
        ["Retry-After is a floor on the delay", tooManyRequests({ "retry-after": "3" }), 3000]
      ] as const
      for (const [title, first, delay] of delayed) {
        it(
          `${transport}: ${title}`,
          onTestClock(async (session, server) => {
            const clients = await session.clients({
              apiUrl: server.apiUrl,
              transport,
              retry: { backoff: { jitter: 0 } },
              rateLimit: false
            })
            server.reply(first, json(200, client("client_1")))
            const t0 = await session.now()
            const pending = clients.fork(get("client_1"))
            await eventually(() => server.received.length === 1, "the first attempt")
            await awaitSleepAt(session, t0 + delay)
            await session.adjust(delay - 1)
            await realSleep(20)
            expect(server.received).toHaveLength(1)
            await session.adjust(1)
            await eventually(() => server.received.length === 2, "the retry")
            expect(succeeded(await pending.join())).toEqual(["client_1"])
          })
        )
      }

      it(
        `${transport}: an attempt that outlives its timeout fails with SDKError Timeout in real time, the TestClock left alone, and aborts the request`,
        onTestClock(async (session, server) => {
          const clients = await session.clients({ apiUrl: server.apiUrl, transport, retry: false, timeout: 200 })
          server.reply(stall)
          const started = Date.now()
          const error = failed(await clients.call(get("client_1")))
          expect(Date.now() - started).toBeGreaterThanOrEqual(195)
          expect(await session.sleeps()).toEqual([])
          expect([error._tag, error.reason]).toEqual(["SDKError", "Timeout"])
          expect(error.message).toBe("Clients.get GET /v1/clients/client_1 Timeout: attempt exceeded 200ms")
          await eventually(() => server.aborted.length === 1, "the aborted request")
        })
      )
    }
  })
}
