/**
 * Each Clients operation, declared once: its name, method, path template, the statuses the spec declares for it,
 * how its input is checked and encoded, and how its response is decoded. The pipeline (internal/http.ts) and the
 * service (Clients.ts) read everything from here.
 *
 * @internal
 */
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Domain from "../Client.js"
import { decoder } from "./fastDecode.js"
import * as Input from "./input.js"

/** An encoded request: the path below the API base (dynamic segments percent-encoded), query and JSON body. */
export interface Encoded {
  readonly path: string
  readonly urlParams?: ReadonlyArray<readonly [string, string]>
  readonly body?: unknown
}

export interface Endpoint<I, A> {
  /** The span name and the `operation` of every error, e.g. `Clients.get`. */
  readonly operation: string
  readonly method: "GET" | "POST"
  /** The spec's path template below the base URL, e.g. `/clients/{client_id}`. */
  readonly path: string
  /** Statuses the spec declares for this operation: a Clerk error body with one of them is `ClerkErrors`. */
  readonly declaredStatuses: ReadonlySet<number>
  /** Clerk marks the operation deprecated: the service warns once per layer. */
  readonly deprecated: boolean
  /** Checks the input and encodes it, or says what is wrong (nothing is sent then). */
  readonly encode: (input: I) => Either.Either<Encoded, string>
  readonly decode: (json: unknown) => Either.Either<A, ParseResult.ParseError>
  /** Span attributes describing the input. */
  readonly attributes?: (input: I) => Record<string, string>
}

const statuses = (...codes: ReadonlyArray<number>): ReadonlySet<number> => new Set(codes)

/** The template with its `{name}` placeholders replaced by already-encoded segments. */
const fill = (template: string, segments: Record<string, string>): string =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => segments[name] ?? "")

/** Compiled once from the schemas (see fastDecode.ts): Schema's result and errors, at a fraction of the cost. */
const decodeClient = decoder(Domain.Client)

/** `GET /v1/clients`. `paginated=true` is always sent: it is the only way to learn the total count. */
export const list: Endpoint<{ readonly limit?: number; readonly offset?: number }, Domain.ClientList> = {
  operation: "Clients.list",
  method: "GET",
  path: "/clients",
  declaredStatuses: statuses(400, 401, 410, 422),
  deprecated: true,
  encode: (params) => Either.map(Input.listQuery(params), (urlParams) => ({ path: list.path, urlParams })),
  decode: decoder(Domain.ClientList)
}

/** `GET /v1/clients/{client_id}`. */
export const get: Endpoint<string, Domain.Client> = {
  operation: "Clients.get",
  method: "GET",
  path: "/clients/{client_id}",
  declaredStatuses: statuses(400, 401, 404),
  deprecated: false,
  encode: (clientId) =>
    Either.map(Input.pathSegment("clientId", clientId), (id) => ({ path: fill(get.path, { client_id: id }) })),
  decode: decodeClient,
  attributes: (clientId) => ({ "clerk.client_id": clientId })
}

/** `POST /v1/clients/verify` with `{ token }`. */
export const verify: Endpoint<{ readonly token: string }, Domain.Client> = {
  operation: "Clients.verify",
  method: "POST",
  path: "/clients/verify",
  declaredStatuses: statuses(400, 401, 404),
  deprecated: false,
  encode: (params) => Either.map(Input.token(params), (token) => ({ path: verify.path, body: { token } })),
  decode: decodeClient
}
