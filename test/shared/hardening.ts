/**
 * Hardening and secrets, as one suite that both faces run through their Promise APIs (test/hardening-shared.test.ts on
 * Effect 3, test-v4/hardening.test.ts on Effect 4), against a real loopback server that plays a hostile Clerk:
 *
 * - hostile replies (garbage, wrong types, deep nesting, huge bodies, the key echoed back) always reject with one of
 *   the library's typed errors, and no rejection carries the secret key, in its message or in `JSON.stringify`;
 * - hostile client ids either fail with `InvalidRequest` and nothing sent, or go out as exactly one request whose path
 *   decodes back to the id;
 * - a redirect is an error, and the origin it points to receives nothing.
 *
 * It imports no Effect and no vitest: each runner hands it its own `describe`, `it` and `expect`, and a face its
 * Promise API.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { Runner } from "./runner.js"

const secret = "sk_test_HARDENING_5f1e2d3c4b5a69788796a5b4c3d2e1f0"

/** One answer of the hostile server, to any request. */
type Answer = (res: ServerResponse) => void

interface Hostile {
  readonly origin: string
  /** Every request received: method and raw URL. */
  readonly received: Array<{ readonly method: string; readonly url: string }>
  answer: Answer
  readonly close: () => Promise<void>
}

const serve = (): Promise<Hostile> =>
  new Promise((resolve) => {
    const state: { answer: Answer } = { answer: (res) => res.end() }
    const received: Array<{ readonly method: string; readonly url: string }> = []
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      received.push({ method: req.method ?? "", url: req.url ?? "" })
      req.resume()
      req.on("end", () => state.answer(res))
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resolve({
        origin: `http://127.0.0.1:${port}`,
        received,
        get answer() {
          return state.answer
        },
        set answer(answer: Answer) {
          state.answer = answer
        },
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections()
            server.close(() => done())
          })
      })
    })
  })

const json = (status: number, body: string, headers: Record<string, string> = {}): Answer => (res) => {
  res.writeHead(status, { "content-type": "application/json", ...headers })
  res.end(body)
}

/** Replies a hostile or broken server could send, each named. */
const hostileReplies: ReadonlyArray<readonly [string, Answer]> = [
  ["invalid JSON", json(200, "{\"object\": \"client\",")],
  ["a JSON string", json(200, "\"client\"")],
  ["null", json(200, "null")],
  ["wrong types in every field", json(200, JSON.stringify({ object: 1, id: [], sessions: "x", session_ids: {} }))],
  ["a number past 2^53", json(200, "{\"object\":\"client\",\"id\":\"c\",\"created_at\":90071992547409930}")],
  ["10,000 levels of nesting", json(200, "[".repeat(10_000) + "]".repeat(10_000))],
  ["a 40 MB string", json(200, JSON.stringify({ object: "client", id: "x".repeat(40 * 1024 * 1024) }))],
  ["HTML from a proxy", (res) => {
    res.writeHead(502, { "content-type": "text/html" })
    res.end("<html><body>Bad gateway</body></html>")
  }],
  ["the key echoed in an error body", json(400, JSON.stringify({ errors: [{ code: secret, message: secret }] }))],
  [
    "the key at the bottom of a Clerk error's meta, 10,000 levels down",
    json(
      400,
      JSON.stringify({ errors: [{ code: "c", message: "m" }], meta: { deep: "[".repeat(10_000) } }).replace(
        "\"[" + "[".repeat(9_999) + "\"",
        "[".repeat(10_000) + JSON.stringify(secret) + "]".repeat(10_000)
      )
    )
  ],
  ["the key echoed in a 500's body and headers", json(500, `upstream said ${secret}`, { "x-debug": secret })],
  ["a Clerk error body with the wrong shape", json(404, JSON.stringify({ errors: "none" }))],
  ["an empty 200", (res) => {
    res.writeHead(200)
    res.end()
  }],
  ["a reset connection", (res) => res.socket?.destroy()]
]

/** A face's Promise API, as far as the suite uses it. */
export interface Face {
  readonly name: string
  readonly make: (options: {
    readonly secretKey: string
    readonly apiUrl: string
    readonly retry: false
    readonly rateLimit: false
    readonly deprecationWarning: false
  }) => {
    readonly clients: { readonly get: (id: string) => Promise<unknown> }
    readonly close: () => Promise<void>
  }
  /** The face's `ClerkError.isClientsError`. */
  readonly isClientsError: (u: unknown) => boolean
}

/** The rejection of `promise`, or a failure of the test if it resolved. */
const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)?.slice(0, 200)}`)
    },
    (error: unknown) => error
  )

export const hardening = ({ describe, expect, it }: Runner, face: Face) => {
  const clerkFor = (server: Hostile) =>
    face.make({
      secretKey: secret,
      apiUrl: `${server.origin}/v1`,
      retry: false,
      rateLimit: false,
      deprecationWarning: false
    })

  describe(`${face.name}: hostile replies are typed errors that never carry the key`, () => {
    for (const [name, answer] of hostileReplies) {
      it(name, async () => {
        const server = await serve()
        const clerk = clerkFor(server)
        try {
          server.answer = answer
          const error = await rejection(clerk.clients.get("client_1"))
          expect(face.isClientsError(error), `${name}: ${String(error)}`).toBe(true)
          expect(String(error)).not.toContain(secret)
          expect(JSON.stringify(error)).not.toContain(secret)
          expect(server.received.length).toBe(1)
        } finally {
          await clerk.close()
          await server.close()
        }
      }, 30_000)
    }
  })

  describe(`${face.name}: hostile client ids`, () => {
    it("are rejected with nothing sent, or sent as exactly one request whose path decodes back to the id", async () => {
      const server = await serve()
      const clerk = clerkFor(server)
      try {
        server.answer = json(404, JSON.stringify({ errors: [{ code: "resource_not_found", message: "not found" }] }))
        const ids = ["", " ", "../users", "a/b", "a?b=c", "a#b", "%2e%2e", "client_\u0000", "é", "x".repeat(5000)]
        for (const id of ids) {
          const before = server.received.length
          const error = await rejection(clerk.clients.get(id))
          expect(face.isClientsError(error), `${JSON.stringify(id)}: ${String(error)}`).toBe(true)
          const sent = server.received.slice(before)
          if (sent.length === 0) {
            expect(Reflect.get(Object(error), "reason")).toBe("InvalidRequest")
          } else {
            expect(sent.length).toBe(1)
            const path = new URL(sent[0]!.url, server.origin).pathname
            expect(decodeURIComponent(path.slice("/v1/clients/".length))).toBe(id)
          }
        }
      } finally {
        await clerk.close()
        await server.close()
      }
    }, 30_000)
  })

  describe(`${face.name}: redirects`, () => {
    it("a redirect to another origin is an error, and that origin receives nothing", async () => {
      const [server, elsewhere] = [await serve(), await serve()]
      const clerk = clerkFor(server)
      try {
        server.answer = (res) => {
          res.writeHead(302, { location: `${elsewhere.origin}/v1/clients/client_1` })
          res.end()
        }
        const error = await rejection(clerk.clients.get("client_1"))
        expect(face.isClientsError(error)).toBe(true)
        expect(elsewhere.received.length).toBe(0)
      } finally {
        await clerk.close()
        await Promise.all([server.close(), elsewhere.close()])
      }
    })
  })
}
