/**
 * Plain `http` carries the secret key only to a loopback IP literal (127.0.0.0/8, `[::1]`) or `localhost`. Names that
 * merely look like loopback, userinfo tricks and other private addresses are refused with a `ConfigError` before
 * anything is sent; the short and hex IPv4 forms that the URL parser turns into 127.x.y.z are loopback and work.
 */
import { HttpClient, HttpClientResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Redacted } from "effect"
import { isLoopbackHost } from "../src/core/options.js"
import { Clients } from "../src/index.js"
import * as UndiciHttpClient from "../src/UndiciHttpClient.js"
import * as Fixtures from "./support/fixtures.js"
import * as TestServer from "./support/TestServer.js"

/** An HttpClient that records every request it is asked to send and answers 200 without any network. */
const recording = () => {
  const sent: Array<string> = []
  const layer = Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.make((request) =>
      Effect.sync(() => {
        sent.push(request.url)
        return HttpClientResponse.fromWeb(request, new Response(JSON.stringify(Fixtures.client("c")), { status: 200 }))
      })
    )
  )
  return { sent, layer }
}

const lookAlikes = [
  "http://127.attacker.example/v1",
  "http://127.0.0.1.nip.io/v1",
  "http://localhost.attacker.example/v1",
  "http://127.0.0.1.attacker.example/v1",
  "http://127.0.0.1@attacker.example/v1",
  "http://attacker.example%2f@127.0.0.1/v1",
  "http://user:pass@127.0.0.1/v1",
  "http://[::ffff:10.0.0.1]/v1",
  "http://[::2]/v1",
  "http://10.0.0.1/v1",
  "http://192.168.1.10/v1",
  "http://0.0.0.0/v1",
  "http://128.0.0.1/v1",
  "http://api.clerk.com/v1"
]

describe("plain http only for loopback", () => {
  for (const apiUrl of lookAlikes) {
    it.effect(`${apiUrl} is refused with a ConfigError, and nothing is sent`, () =>
      Effect.gen(function*() {
        const { sent, layer } = recording()
        const exit = yield* Effect.exit(
          Effect.scoped(Layer.build(
            Clients.layer({ secretKey: Redacted.make(TestServer.secret), apiUrl }).pipe(Layer.provide(layer))
          ))
        )
        expect(Exit.isFailure(exit)).toBe(true)
        expect(String(Exit.isFailure(exit) ? exit.cause : "")).toMatch(/apiUrl/)
        expect(sent).toEqual([])
      }))
  }

  it("the parser's short, hex, octal and decimal IPv4 forms of 127.0.0.1 are loopback; look-alike names are not", () => {
    const hostOf = (url: string) => new URL(url).hostname
    for (
      const url of ["http://127.1", "http://0x7f.0.0.1", "http://0177.0.0.1", "http://2130706433", "http://127.255.0.9"]
    ) {
      expect([url, isLoopbackHost(hostOf(url))]).toEqual([url, true])
    }
    for (const host of ["localhost", "LOCALHOST", "[::1]", "127.0.0.1"]) {
      expect([host, isLoopbackHost(host)]).toEqual([host, true])
    }
    for (const host of ["127.attacker.example", "127.0.0.1.nip.io", "localhost.", "127.0.0.256", "[::ffff:7f00:1]"]) {
      expect([host, isLoopbackHost(host)]).toEqual([host, false])
    }
  })

  it.scopedLive("http://127.1 reaches a real server on 127.0.0.1 (the form is loopback, so it is allowed)", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      server.reply(TestServer.json(200, Fixtures.client("client_ok")))
      const port = new URL(server.origin).port
      const clients = Context.get(
        yield* Layer.build(
          Clients.layer({ secretKey: Redacted.make(TestServer.secret), apiUrl: `http://127.1:${port}` }).pipe(
            Layer.provide(UndiciHttpClient.layer),
            Layer.orDie
          )
        ),
        Clients.Clients
      )
      expect((yield* clients.get("client_ok")).id).toBe("client_ok")
      expect(server.received.map((r) => r.url)).toEqual(["/v1/clients/client_ok"])
    }))
})
