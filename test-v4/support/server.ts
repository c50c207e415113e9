/**
 * A loopback HTTP server whose replies each test scripts, recording every request as it arrived. Effect-free at its
 * heart (node:http and promises), so either face's suites can drive it; `make` wraps it for Effect 4.
 */
import { Effect, Redacted, type Scope } from "effect"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { Socket } from "node:net"

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
  readonly received: Array<Received>
  /** URLs of requests whose connection closed before the response was complete (the client gave up). */
  readonly aborted: Array<string>
  /** Queue replies; once the queue is down to one, that one answers every further request. */
  readonly reply: (...replies: ReadonlyArray<Reply>) => void
  readonly close: () => Promise<void>
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

export const start = (): Promise<TestServer> =>
  new Promise((resolve) => {
    const received: Array<Received> = []
    const aborted: Array<string> = []
    let queue: Array<Reply> = [json(500, { errors: [] })]
    const sockets = new Set<Socket>()
    const server = createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (chunk: Buffer) => chunks.push(chunk))
      req.on("end", () => {
        const request: Received = {
          method: req.method ?? "",
          url: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8")
        }
        received.push(request)
        res.on("close", () => {
          if (!res.writableFinished) aborted.push(request.url)
        })
        const next = queue.length > 1 ? queue.shift()! : queue[0]!
        next(res, request)
      })
    })
    server.on("connection", (socket) => {
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resolve({
        apiUrl: `http://127.0.0.1:${port}/v1`,
        received,
        aborted,
        reply: (...replies) => {
          queue = [...replies]
        },
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy()
            server.close(() => done())
          })
      })
    })
  })

/** The server for one test, closed with its scope. */
export const make: Effect.Effect<TestServer, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(start),
  (server) => Effect.promise(server.close)
)

export const secret = "sk_test_FAKE_3c1b9d2e7f4a46b8a0c5d1e2f3a4b5c6"

/** Real time, whatever the test's clock: how a test waits for the server while `TestClock` holds Effect's time. */
export const realSleep = (millis: number) => Effect.promise(() => new Promise<void>((r) => setTimeout(r, millis)))

/** Waits (in real time) until `check` holds. */
export const eventually = (check: () => boolean, what: string): Effect.Effect<void> =>
  Effect.suspend(function loop(tries = 0): Effect.Effect<void> {
    if (check()) return Effect.void
    if (tries > 2000) return Effect.die(new Error(`timed out waiting for ${what}`))
    return Effect.flatMap(realSleep(2), () => loop(tries + 1))
  })

/** {@link secret}, as the layers take it. */
export const secretRedacted = Redacted.make(secret)

/** Waits (in real time) until `check` succeeds with true. */
export const eventuallyEffect = (check: Effect.Effect<boolean>, what: string): Effect.Effect<void> =>
  Effect.suspend(function loop(tries = 0): Effect.Effect<void> {
    return Effect.flatMap(check, (done) => {
      if (done) return Effect.void
      if (tries > 2000) return Effect.die(new Error(`timed out waiting for ${what}`))
      return Effect.flatMap(realSleep(2), () => loop(tries + 1))
    })
  })
