/**
 * Each Clients operation, declared once: its name, method, path template, the statuses the spec declares for it,
 * whether Clerk deprecates it, how its input is checked and encoded, and which wire schema its response has. The
 * service type, the pipelines of both faces, the Promise API, the emulator's routes and stats, span names and metric
 * tags are all read from this table.
 *
 * A new read-only endpoint is one entry here, its response schema, and its emulator handler.
 */
import { type Check, map } from "./check.js"
import * as Input from "./input.js"

/** An encoded request: the path below the API base (dynamic segments percent-encoded), query and JSON body. */
export interface Encoded {
  readonly path: string
  readonly urlParams?: Input.Query
  readonly body?: unknown
}

/** The wire schemas a response can have (each face maps a name to its own `Schema`). */
export type ResponseSchema = "Client" | "ClientList"

export interface Endpoint<Name extends string, I, R extends ResponseSchema = ResponseSchema> {
  /** The service's method name, e.g. `get`. */
  readonly name: Name
  /** The span name, the metric tag and the `operation` of every error, e.g. `Clients.get`. */
  readonly operation: `Clients.${Name}`
  readonly method: "GET" | "POST"
  /** The spec's path template below the base URL, e.g. `/clients/{client_id}`. */
  readonly path: string
  /** Statuses the spec declares for this operation: a Clerk error body with one of them is `ClerkErrors`. */
  readonly declaredStatuses: ReadonlySet<number>
  /** Clerk marks the operation deprecated: the service warns once per layer. */
  readonly deprecated: boolean
  /** Checks the input and encodes it, or says what is wrong (nothing is sent then). */
  readonly encode: (input: I) => Check<Encoded>
  /** The wire schema of a successful response. */
  readonly response: R
  /** Span attributes describing the input. */
  readonly attributes?: (input: I) => Record<string, string>
}

const statuses = (...codes: ReadonlyArray<number>): ReadonlySet<number> => new Set(codes)

/** The template with its `{name}` placeholders replaced by already-encoded segments. */
export const fill = (template: string, segments: Record<string, string>): string =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => segments[name] ?? "")

/** Query parameters of `list`. Clerk's defaults apply to what is left out (limit 10, offset 0). */
export interface ListParams {
  /** 1 to 500. */
  readonly limit?: number
  /** 0 or more. */
  readonly offset?: number
}

/** Options of `stream`, the list endpoint read page by page. */
export interface StreamParams {
  /** Clients per request, 1 to 500. Default 500: fewest round trips. */
  readonly pageSize?: number
  /** Start this many clients in, e.g. to resume a stream that stopped. Default 0. */
  readonly offset?: number
  /** Pages fetched ahead of the consumer. Default 1; 0 fetches only on demand. */
  readonly prefetch?: number
}

/** The body of `verify`. */
export interface VerifyParams {
  /** The client's JWT (the `__client` token), not a session token. */
  readonly token: string
}

const listPath = "/clients"
const getPath = "/clients/{client_id}"
const verifyPath = "/clients/verify"

/** `GET /v1/clients`. `paginated=true` is always sent: it is the only way to learn the total count. */
/** `list`'s input may be left out (`void`), so its method is callable as `list()`. */
export const list: Endpoint<"list", ListParams | void | undefined, "ClientList"> = {
  name: "list",
  operation: "Clients.list",
  method: "GET",
  path: listPath,
  declaredStatuses: statuses(400, 401, 410, 422),
  deprecated: true,
  encode: (params) => map(Input.listQuery(params || undefined), (urlParams) => ({ path: listPath, urlParams })),
  response: "ClientList"
}

/** `GET /v1/clients/{client_id}`. */
export const get: Endpoint<"get", string, "Client"> = {
  name: "get",
  operation: "Clients.get",
  method: "GET",
  path: getPath,
  declaredStatuses: statuses(400, 401, 404),
  deprecated: false,
  encode: (clientId) =>
    map(Input.pathSegment("clientId", clientId), (id) => ({ path: fill(getPath, { client_id: id }) })),
  response: "Client",
  attributes: (clientId) => ({ "clerk.client_id": String(clientId) })
}

/** `POST /v1/clients/verify` with `{ token }`. */
export const verify: Endpoint<"verify", VerifyParams, "Client"> = {
  name: "verify",
  operation: "Clients.verify",
  method: "POST",
  path: verifyPath,
  declaredStatuses: statuses(400, 401, 404),
  deprecated: false,
  encode: (params) => map(Input.token(params), (token) => ({ path: verifyPath, body: { token } })),
  response: "Client"
}

/**
 * The table: each entry is a method of the `Clients` service (and of the Promise API), named by its key. Order
 * matters only where two templates could match one path: a literal segment comes first.
 */
export const endpoints = {
  /**
   * One page of clients, newest first, with the total count.
   *
   * @deprecated Clerk marks `GET /v1/clients` deprecated and may remove it. effect-clerk logs one warning per layer.
   */
  list,
  /** The client a client token (JWT) belongs to, if Clerk accepts the token. */
  verify,
  /** The client with this id. */
  get
} as const

export type Endpoints = typeof endpoints
export type Name = keyof Endpoints
export type InputOf<N extends Name> = Endpoints[N] extends Endpoint<N, infer I, ResponseSchema> ? I : never
export type ResponseOf<N extends Name> = Endpoints[N]["response"]

/** Every endpoint, in matching order. */
export const all: ReadonlyArray<Endpoints[Name]> = [list, verify, get]

/** The names, for the emulator's stats and faults and the Promise API's methods. */
export const names: ReadonlyArray<Name> = all.map((endpoint) => endpoint.name)

export const isName = (value: unknown): value is Name => names.some((name) => name === value)

/**
 * Which endpoint a request below the API base is for: the endpoint and its path parameters (decoded), else why not
 * (no route at all, or only routes that take other methods). A route that takes the method wins over one that does
 * not, in the table's order: `GET /clients/verify` is `get` of the id `verify`. The emulator routes with it.
 */
export type Match =
  | { readonly _tag: "Found"; readonly endpoint: Endpoints[Name]; readonly params: Record<string, string> }
  | { readonly _tag: "MethodNotAllowed"; readonly allowed: ReadonlyArray<string> }
  | { readonly _tag: "NotFound" }

/** The segments after the leading `/`; an empty one (`/clients/`, `//clients`) is kept, so it matches no template. */
const segmentsOf = (path: string): ReadonlyArray<string> => (path.startsWith("/") ? path.slice(1) : path).split("/")

export const match = (method: string, path: string): Match => {
  const segments = segmentsOf(path)
  const allowed: Array<string> = []
  for (const endpoint of all) {
    const params = matchTemplate(segmentsOf(endpoint.path), segments)
    if (params === undefined) continue
    if (endpoint.method === method) return { _tag: "Found", endpoint, params }
    allowed.push(endpoint.method)
  }
  return allowed.length > 0 ? { _tag: "MethodNotAllowed", allowed } : { _tag: "NotFound" }
}

/** The path parameters of `segments` under `template`, or `undefined` when it does not fit. */
const matchTemplate = (
  template: ReadonlyArray<string>,
  segments: ReadonlyArray<string>
): Record<string, string> | undefined => {
  if (template.length !== segments.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < template.length; i++) {
    const part = template[i]!
    const segment = segments[i]!
    const placeholder = /^\{(\w+)\}$/.exec(part)
    if (placeholder !== null) {
      if (segment === "") return undefined
      params[placeholder[1]!] = safeDecode(segment)
    } else if (part !== segment) {
      return undefined
    }
  }
  return params
}

const safeDecode = (segment: string): string => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}
