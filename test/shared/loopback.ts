/**
 * Plain `http` carries the secret key only to a loopback IP literal (127.0.0.0/8, `[::1]`) or the name `localhost`,
 * as one suite that both faces run (test/loopback.test.ts on Effect 3, test-v4/loopback.test.ts on Effect 4), each
 * through its `Clients.layer` and its Promise API `ClerkClients.make`:
 *
 * - every look-alike (names that start like loopback, userinfo tricks, query and fragment tricks, IPv4-mapped IPv6,
 *   hex and short IPv4 forms of other addresses, `localhost.` and `*.localhost`) is refused: a call on the layer fails
 *   with the face's `ConfigError`, `ClerkClients.make` throws a `TypeError`, and a recording transport that would
 *   answer every request sees none;
 * - every loopback form, including those the WHATWG URL parser turns into `127.0.0.1` (`127.1`, `0x7f.1`, `0177.0.0.1`,
 *   `2130706433`, `127.0.0.1.`) and `[::1]` spelt out, is accepted, and a call reaches a real server on that loopback
 *   address.
 *
 * It imports no Effect and no vitest: each runner hands it its own `describe`, `it` and `expect`, and a face adapter
 * that runs one `get` through the face's layer or Promise API over the transport the suite names.
 */
import { lookup } from "node:dns/promises"
import { createServer, type Server } from "node:http"
import * as Fixtures from "../support/fixtures.js"
import type { Runner } from "./runner.js"

/**
 * The transport under the face's layer: a recording client that answers every request with `body` (status 200)
 * without any network, after calling `record` with the request's URL; or the face's own `UndiciHttpClient`.
 */
export type Transport =
  | { readonly kind: "recording"; readonly record: (url: string) => void; readonly body: string }
  | { readonly kind: "network" }

/** How one `get` ended, as the adapter saw it. */
export type Outcome =
  /** The call succeeded with the client of this id. */
  | { readonly _tag: "Success"; readonly id: string }
  /** The layer could not be built: the call failed with the face's `ConfigError`, rendered by `String`. */
  | { readonly _tag: "ConfigError"; readonly text: string }
  /** `ClerkClients.make` threw a `TypeError` (so no call was made); its message. */
  | { readonly _tag: "TypeErrorAtMake"; readonly text: string }
  /** Anything else, rendered by `String`. */
  | { readonly _tag: "OtherFailure"; readonly text: string }

export interface Face {
  readonly name: string
  /**
   * Builds the face's `Clients.layer` (the test key, `apiUrl`, no retry, no rate limit, no deprecation warning) over
   * `transport`, runs `get(id)` on it, and releases the layer.
   */
  readonly layerGet: (apiUrl: string, transport: Transport, id: string) => Promise<Outcome>
  /**
   * `ClerkClients.make` with the same options, `env: {}` and `httpClient` the layer of `transport`; then
   * `clients.get(id)` and `close()`.
   */
  readonly promiseGet: (apiUrl: string, transport: Transport, id: string) => Promise<Outcome>
}

/** The secret key the suite's layers use: a development key, never a real one. */
export const secret = "sk_test_LOOPBACK_7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d"

/** Why `apiUrl` refuses a URL: the words of its message. */
const https = "the API URL must use https (plain http is allowed only for localhost and loopback IP addresses)"
const credentials = "the API URL must not contain credentials"
const queryOrFragment = "the API URL must not have a query or fragment"

/** URLs that look like loopback (or carry a loopback address somewhere) but would send the key elsewhere. */
export const refused: ReadonlyArray<readonly [apiUrl: string, reason: string]> = [
  // Names that start like a loopback address or `localhost`.
  ["http://127.attacker.example/v1", https],
  ["http://127.0.0.1.nip.io/v1", https],
  ["http://127.0.0.1.attacker.example/v1", https],
  ["http://localhost.attacker.example/v1", https],
  // `%2e` decodes to a dot inside the host: the name 127.0.0.1.evil.example, not an address.
  ["http://127.0.0.1%2eevil.example", https],
  ["http://0x7f.attacker.example", https],
  ["http://2130706433.attacker.example", https],
  // `localhost` only as that exact name: not with a trailing dot (a name the resolver may look up elsewhere), not
  // as a subdomain.
  ["http://localhost.", https],
  ["http://foo.localhost", https],
  // Userinfo, query and fragment tricks that put a loopback address in front of, or behind, another host.
  ["http://127.0.0.1@attacker.example/v1", credentials],
  ["http://localhost:80@attacker.example/v1", credentials],
  ["http://[::1]@attacker.example/v1", credentials],
  ["http://attacker.example%2f@127.0.0.1/v1", credentials],
  ["http://user:pass@127.0.0.1/v1", credentials],
  ["http://attacker.example?@127.0.0.1", queryOrFragment],
  ["http://attacker.example#@127.0.0.1", queryOrFragment],
  // IPv6 other than ::1, IPv4-mapped IPv6 included (the mapped form of 127.0.0.1 is not `[::1]`).
  ["http://[::ffff:127.0.0.1]", https],
  ["http://[::ffff:10.0.0.1]/v1", https],
  ["http://[::2]/v1", https],
  ["http://[::]/v1", https],
  // Other IPv4 addresses, in dotted, hex and short forms.
  ["http://10.0.0.1/v1", https],
  ["http://0x0a.1/v1", https],
  ["http://192.168.1.10/v1", https],
  ["http://0.0.0.0/v1", https],
  ["http://128.0.0.1/v1", https],
  ["http://0x80000001/v1", https],
  // A remote name, and another scheme to a loopback address.
  ["http://api.clerk.com/v1", https],
  ["ftp://127.0.0.1/v1", https]
]

/** Where an accepted form's server listens: an IPv4 or IPv6 loopback address, or wherever `localhost` resolves. */
type Listen = "127.0.0.1" | "::1" | "localhost"

/** Loopback forms, each with the port of a server listening where the form points. */
export const accepted: ReadonlyArray<readonly [form: string, listen: Listen, apiUrl: (port: number) => string]> = [
  ["http://127.0.0.1:PORT/v1", "127.0.0.1", (port) => `http://127.0.0.1:${port}/v1`],
  ["http://127.1:PORT", "127.0.0.1", (port) => `http://127.1:${port}`],
  ["http://0x7f.1:PORT", "127.0.0.1", (port) => `http://0x7f.1:${port}`],
  ["http://0177.0.0.1:PORT", "127.0.0.1", (port) => `http://0177.0.0.1:${port}`],
  ["http://2130706433:PORT", "127.0.0.1", (port) => `http://2130706433:${port}`],
  ["http://127.0.0.1.:PORT (trailing dot)", "127.0.0.1", (port) => `http://127.0.0.1.:${port}`],
  ["http://localhost:PORT", "localhost", (port) => `http://localhost:${port}`],
  ["http://LOCALHOST:PORT", "localhost", (port) => `http://LOCALHOST:${port}`],
  ["http://[::1]:PORT", "::1", (port) => `http://[::1]:${port}`],
  ["http://[0:0:0:0:0:0:0:1]:PORT", "::1", (port) => `http://[0:0:0:0:0:0:0:1]:${port}`]
]

interface Loopback {
  readonly port: number
  /** The URL of every request received. */
  readonly received: Array<string>
  readonly close: () => Promise<void>
}

/** A server on `host` that answers `GET /v1/clients/<id>` with that client, and anything else with a 404. */
const serve = (host: string): Promise<Loopback> =>
  new Promise((resolve, reject) => {
    const received: Array<string> = []
    const server: Server = createServer((req, res) => {
      const url = req.url ?? ""
      received.push(url)
      req.resume()
      const id = url.startsWith("/v1/clients/") ? url.slice("/v1/clients/".length) : undefined
      res.writeHead(id === undefined ? 404 : 200, { "content-type": "application/json" })
      res.end(JSON.stringify(id === undefined ? Fixtures.clerkErrors(404, "resource_not_found") : Fixtures.client(id)))
    })
    server.once("error", reject)
    server.listen(0, host, () => {
      const address = server.address()
      resolve({
        port: typeof address === "object" && address !== null ? address.port : 0,
        received,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections()
            server.close(() => done())
          })
      })
    })
  })

/** Whether this machine can listen on `::1` (it has IPv6 loopback). */
const bindable = (host: string): Promise<boolean> =>
  serve(host).then((server) => server.close().then(() => true), () => false)

/** The address to listen on for `listen`: `localhost` is where the resolver sends it first, as a client connects. */
const addressOf = async (listen: Listen): Promise<string> =>
  listen === "localhost" ? (await lookup("localhost")).address : listen

export const loopback = ({ describe, expect, it }: Runner, face: Face) => {
  const paths: ReadonlyArray<readonly ["Clients.layer" | "ClerkClients.make", Face["layerGet"]]> = [
    ["Clients.layer", face.layerGet],
    ["ClerkClients.make", face.promiseGet]
  ]

  for (const [path, get] of paths) {
    describe(`${face.name}, ${path}: plain http to a look-alike of loopback is refused, and nothing is sent`, () => {
      for (const [apiUrl, reason] of refused) {
        it(apiUrl, async () => {
          const sent: Array<string> = []
          const transport: Transport = {
            kind: "recording",
            record: (url) => sent.push(url),
            body: JSON.stringify(Fixtures.client("client_x"))
          }
          const outcome = await get(apiUrl, transport, "client_x")
          const tag = path === "Clients.layer" ? "ConfigError" : "TypeErrorAtMake"
          expect([outcome._tag, sent]).toEqual([tag, []])
          const text = outcome._tag === "Success" ? "" : outcome.text
          expect(text).toContain("apiUrl")
          expect(text).toContain(reason)
        })
      }
    })

    describe(`${face.name}, ${path}: every loopback form is allowed, and a call reaches the loopback server`, () => {
      for (const [form, listen, apiUrl] of accepted) {
        it(form, async () => {
          const host = await addressOf(listen)
          if (host === "::1" && !(await bindable(host))) {
            // No IPv6 loopback here: the check alone, through a recording transport, which sees the request.
            const sent: Array<string> = []
            const transport: Transport = {
              kind: "recording",
              record: (url) => sent.push(url),
              body: JSON.stringify(Fixtures.client("client_x"))
            }
            const outcome = await get(apiUrl(9), transport, "client_x")
            expect([outcome, sent]).toEqual([{ _tag: "Success", id: "client_x" }, [
              "http://[::1]:9/v1/clients/client_x"
            ]])
            return
          }
          const server = await serve(host)
          try {
            const outcome = await get(apiUrl(server.port), { kind: "network" }, "client_ok")
            expect([outcome, server.received]).toEqual([{ _tag: "Success", id: "client_ok" }, [
              "/v1/clients/client_ok"
            ]])
          } finally {
            await server.close()
          }
        })
      }
    })
  }
}
