/**
 * A loopback HTTP server whose replies each test scripts, recording every request exactly as it arrived. It imports
 * no Effect: both faces' suites drive it, the shared suites directly, and each face's support module wraps it in its
 * own Effect (test/support/TestServer.ts, test-v4/support/server.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"

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
  /** Resolves once the server has received `count` requests; rejects after 10 s of real time. */
  readonly awaitRequests: (count: number) => Promise<void>
  /** Destroys every open socket and stops listening. */
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

/** Closes the socket without a response. */
export const reset: Reply = (res) => {
  res.socket?.destroy()
}

const portOf = (address: string | AddressInfo | null): number =>
  typeof address === "object" && address !== null
    ? address.port
    : 0

export const start = (): Promise<TestServer> =>
  new Promise((resolve) => {
    const received: Array<Received> = []
    const aborted: Array<string> = []
    const queue: Array<Reply> = [json(500, { errors: [{ code: "unscripted", message: "no reply scripted" }] })]
    const waiters: Array<{ readonly count: number; readonly done: () => void }> = []
    const server = createServer((req, res) => {
      res.on("close", () => {
        if (!res.writableEnded) aborted.push(req.url ?? "")
      })
      const chunks: Array<Buffer> = []
      req.on("data", (chunk: Buffer) => chunks.push(chunk))
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
        for (const waiter of waiters) if (received.length >= waiter.count) waiter.done()
      })
    })
    const sockets = new Set<Socket>()
    server.on("connection", (socket) => {
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
    })
    server.listen(0, "127.0.0.1", () => {
      const origin = `http://127.0.0.1:${portOf(server.address())}`
      resolve({
        apiUrl: `${origin}/v1`,
        origin,
        received,
        aborted,
        reply: (...replies) => {
          queue.splice(0, queue.length, ...replies)
        },
        awaitRequests: (count) =>
          new Promise<void>((done, fail) => {
            if (received.length >= count) return done()
            const timer = setTimeout(
              () => fail(new Error(`the server got ${received.length} of ${count} requests in 10 s`)),
              10_000
            )
            waiters.push({
              count,
              done: () => {
                clearTimeout(timer)
                done()
              }
            })
          }),
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy()
            server.close(() => done())
          })
      })
    })
  })

/** An API URL on a loopback port where nothing listens: connections are refused. */
export const refusedApiUrl = (): Promise<string> =>
  new Promise((resolve) => {
    const probe = createServer()
    probe.listen(0, "127.0.0.1", () => {
      const port = portOf(probe.address())
      probe.close(() => resolve(`http://127.0.0.1:${port}/v1`))
    })
  })

/** The secret key the test servers' layers use: a development key, never a real one. */
export const secret = "sk_test_FAKE_3c1b9d2e7f4a46b8a0c5d1e2f3a4b5c6"
