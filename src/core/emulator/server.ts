/**
 * The emulator's request handling without a server: routing, authorisation, counting, the rate limit, picking a
 * fault and what it does to the answer, the endpoints' answers and the admin routes. A face serves it over its own
 * HTTP server, sleeps a fault's latency on its own clock, and carries out the outcome (a reply, a drop, a reset).
 */
import { type Endpoints, type Name, names } from "../endpoints.js"
import { type Application, application, type FaultQueue, parseFaults, passThrough } from "./faults.js"
import { type Backend, handlers } from "./handlers.js"
import { type RateLimit, rateWindow } from "./rateLimit.js"
import { clerkError, notFound, ok, type Reply, tooManyRequests, unauthorized, withHeader } from "./replies.js"
import { route } from "./routes.js"
import type { Stored } from "./store.js"
import { claimsFor, defaultLifetimeSeconds } from "./token.js"

export interface Options<C extends Stored> extends Backend<C> {
  readonly secretKey: string
  readonly faults: FaultQueue
  readonly rateLimit: RateLimit | undefined
}

/** Requests received per endpoint, and what happened to them (admin routes are not counted). */
export type Stats = { readonly [N in Name]: number } & {
  readonly total: number
  readonly faultsInjected: number
  /** Requests answered 429 because they were over the rate limit. */
  readonly rateLimited: number
}

export interface Request {
  readonly method: string
  /** The path and query, as the request line has them. */
  readonly url: string
  readonly authorization: string | undefined
  /** The `X-Emulator-Fault` header. */
  readonly faultHeader: string | undefined
}

/** What to do with a request: answer it now, hand it to the admin routes, or answer it as an endpoint. */
export type Plan =
  | { readonly _tag: "Reply"; readonly reply: Reply }
  | { readonly _tag: "Admin"; readonly method: string; readonly pathname: string; readonly traceId: string }
  | {
    readonly _tag: "Endpoint"
    readonly endpoint: Endpoints[Name]
    readonly params: Record<string, string>
    readonly query: URLSearchParams
    readonly traceId: string
    /** Whether the endpoint reads the request's body (a GET has none to read). */
    readonly readsBody: boolean
    /** How long the face waits, on its own clock, before it answers (a fault's latency, else 0). */
    readonly latencyMs: number
    /** What the face sends: the real answer, or what the request's fault makes of it. */
    readonly application: Application
  }

export interface Emulator {
  /** Routes, authorises and counts the request at `now` (epoch millis), and picks its fault. */
  readonly plan: (request: Request, now: number) => Plan
  /** The endpoint's real answer, with the request's body, at `now`. */
  readonly answer: (plan: Extract<Plan, { _tag: "Endpoint" }>, body: string, now: number) => Promise<Reply>
  readonly admin: (plan: Extract<Plan, { _tag: "Admin" }>, body: string, now: number) => Promise<Reply>
  readonly stats: () => Stats
}

export const make = <C extends Stored>(options: Options<C>): Emulator => {
  const answers = handlers(options)
  const counts = new Map<Name, number>(names.map((name) => [name, 0]))
  const totals = { total: 0, faultsInjected: 0, rateLimited: 0 }
  const overLimit = options.rateLimit === undefined ? () => undefined : rateWindow(options.rateLimit)
  let traces = 0
  const stats = (): Stats => ({ ...perName((name) => counts.get(name) ?? 0), ...totals })

  return {
    plan: (request, now) => {
      const url = new URL(request.url, "http://emulator.local")
      const traceId = `trace_emulator_${(++traces).toString(16).padStart(8, "0")}`
      const authorized = request.authorization === `Bearer ${options.secretKey}`
      const reply = (r: Reply): Plan => ({ _tag: "Reply", reply: r })
      const found = route(request.method, url.pathname)
      switch (found._tag) {
        case "Admin":
          return authorized
            ? { _tag: "Admin", method: request.method, pathname: url.pathname, traceId }
            : reply(unauthorized(traceId))
        case "BadPath":
          return reply(
            clerkError(400, traceId, "request_path_invalid", "Invalid path", "The path is not valid percent-encoding.")
          )
        case "NotFound":
          return reply(notFound(traceId, found.longMessage))
        case "MethodNotAllowed":
          return reply(withHeader(
            clerkError(
              405,
              traceId,
              "method_not_allowed",
              "Method not allowed",
              `${request.method} is not allowed on ${url.pathname.slice(0, 200)}; it takes ${found.allowed.join(", ")}.`
            ),
            "allow",
            found.allowed.join(", ")
          ))
        case "Endpoint": {
          if (!authorized) return reply(unauthorized(traceId))
          const name = found.endpoint.name
          totals.total++
          counts.set(name, (counts.get(name) ?? 0) + 1)
          const retryAfter = overLimit(now)
          if (retryAfter !== undefined) {
            totals.rateLimited++
            return reply(tooManyRequests(traceId, retryAfter))
          }
          const fault = options.faults.pick(name, request.faultHeader)
          if (fault !== undefined) totals.faultsInjected++
          return {
            _tag: "Endpoint",
            endpoint: found.endpoint,
            params: found.params,
            query: url.searchParams,
            traceId,
            readsBody: found.endpoint.method !== "GET",
            latencyMs: fault?.latencyMs ?? 0,
            application: fault === undefined ? passThrough : application(fault, traceId)
          }
        }
      }
    },
    answer: async (plan, body, now) =>
      answers[plan.endpoint.name]({ params: plan.params, query: plan.query, body, now, traceId: plan.traceId }),
    admin: async ({ method, pathname, traceId }, text, now) => {
      const body = parseJsonOrUndefined(text)
      switch (`${method} ${pathname}`) {
        case "POST /__emulator/tokens": {
          const clientId = field(body, "client_id")
          const expiresIn = field(body, "expires_in_seconds") ?? defaultLifetimeSeconds
          if (typeof clientId !== "string" || typeof expiresIn !== "number" || !Number.isFinite(expiresIn)) {
            return clerkError(
              400,
              traceId,
              "request_body_invalid",
              "Invalid request body",
              "Expected { client_id: string, expires_in_seconds?: number }."
            )
          }
          return ok({ token: await options.signer.sign(claimsFor(clientId, now, expiresIn)) }, traceId)
        }
        case "POST /__emulator/faults": {
          const faults = field(body, "faults")
          const parsed = Array.isArray(faults) ? parseFaults(faults) : undefined
          if (parsed === undefined) {
            return clerkError(400, traceId, "request_body_invalid", "Invalid faults", "Expected { faults: Fault[] }.")
          }
          options.faults.enqueue(parsed)
          return ok({ queued: options.faults.size() }, traceId)
        }
        case "DELETE /__emulator/faults":
          options.faults.clear()
          return ok({ queued: 0 }, traceId)
        case "GET /__emulator/stats":
          return ok({ ...stats(), clients: options.store.size }, traceId)
        default:
          return notFound(traceId, "No such route.")
      }
    },
    stats
  }
}

/** A value for every endpoint name (checked, since a list of names cannot prove to the compiler it has them all). */
const perName = <A>(f: (name: Name) => A): { readonly [N in Name]: A } => {
  const record: Partial<Record<Name, A>> = {}
  for (const name of names) record[name] = f(name)
  if (!hasEveryName(record)) throw new Error("unreachable: names lists every endpoint")
  return record
}

const hasEveryName = <A>(record: Partial<Record<Name, A>>): record is Record<Name, A> =>
  names.every((name) => name in record)

const field = (value: unknown, key: string): unknown =>
  typeof value === "object" && value !== null && key in value
    ? Object.getOwnPropertyDescriptor(value, key)?.value
    : undefined

const parseJsonOrUndefined = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
