/**
 * The emulator on a random loopback port, and a `Clients` service pointed at it, both living in the test's scope.
 */
import { NodeHttpClient, NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Layer } from "effect"
import { createServer } from "node:http"
import { Clients, Emulator } from "../../src/index.js"

export const emulatorLayer = (options: Emulator.Options = {}) =>
  Emulator.layer(options).pipe(Layer.provide(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })))

export const start = (options: Emulator.Options = {}, clientOptions: Partial<Clients.Options> = {}) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(emulatorLayer(options).pipe(Layer.orDie))
    const emulator = Context.get(context, Emulator.Emulator)
    const clientsContext = yield* Layer.build(
      Clients.layer({ secretKey: emulator.secretKey, apiUrl: emulator.apiUrl, ...clientOptions }).pipe(
        Layer.provide(NodeHttpClient.layerUndici),
        Layer.orDie
      )
    )
    return { emulator, clients: Context.get(clientsContext, Clients.Clients) }
  })

/** A raw request to the emulator, for inputs the library itself refuses to send. */
export const raw = (emulator: Emulator.Service, path: string, init: RequestInit & { readonly auth?: boolean } = {}) =>
  Effect.promise(async () => {
    const headers = new Headers(init.headers)
    if (init.auth !== false && !headers.has("authorization")) {
      headers.set("authorization", `Bearer ${Emulator.defaultSecretKey}`)
    }
    const response = await fetch(emulator.origin + path, { ...init, headers })
    const text = await response.text()
    let json: unknown = undefined
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: response.status, headers: response.headers, text, json }
  })
