/**
 * Where the runtime's own body stream sits behind a response of `@effect/platform`'s stock clients, for the
 * `HttpClient` adapter's fast body reader (Exchange.ts).
 *
 * @internal
 */
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Predicate from "effect/Predicate"
import type * as Body from "../core/body.js"

export type RuntimeBody =
  | { readonly _tag: "Web"; readonly body: ReadableStream<Uint8Array> }
  | { readonly _tag: "Node"; readonly body: Body.NodeReadable }

/**
 * The runtime's body stream behind a response of `@effect/platform`'s stock clients: the platform wraps the
 * runtime's response (`original`) and keeps what the runtime gave it as `source` (a web `Response` for `fetch`,
 * undici's response data for `NodeHttpClient.layerUndici`, an `IncomingMessage` for `NodeHttpClient.layer`). This is
 * not public API, so every step is checked and anything unexpected takes the public way; the framing suites check,
 * per stock client, that this way is taken and that an interrupted read frees the socket.
 */
export const runtimeBody = (response: HttpClientResponse.HttpClientResponse): RuntimeBody | undefined => {
  const inner: unknown = Predicate.hasProperty(response, "original") ? response.original : response
  const source: unknown = Predicate.hasProperty(inner, "source") ? inner.source : undefined
  const body: unknown = Predicate.hasProperty(source, "body") ? source.body : source
  if (isWebStream(body)) return { _tag: "Web", body }
  if (isNodeReadable(body)) return { _tag: "Node", body }
  return undefined
}

const isWebStream = (u: unknown): u is ReadableStream<Uint8Array> =>
  typeof ReadableStream !== "undefined" && u instanceof ReadableStream

const isNodeReadable = (u: unknown): u is Body.NodeReadable =>
  Predicate.hasProperty(u, "on") && Predicate.isFunction(u.on) && Predicate.hasProperty(u, "destroy") &&
  Predicate.isFunction(u.destroy) && Predicate.hasProperty(u, "readable")
