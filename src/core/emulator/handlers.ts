/**
 * What the emulator answers for each endpoint of the table, once the request is routed, authorised and counted.
 * The type requires one handler per endpoint name, so a new endpoint in src/core/endpoints.ts does not compile
 * until it has one here. Texts of 400/422 answers follow the spec's wording (openapi.yml, bapi 2026-05-12).
 */
import type { Name } from "../endpoints.js"
import { listLimit } from "../input.js"
import { badBody, clientNotFound, invalidParam, ok, type Reply } from "./replies.js"
import type { GrowingStore, Stored } from "./store.js"
import type { Signer } from "./token.js"

/** A routed request: its path parameters (decoded), query, body text, the time (epoch millis) and trace id. */
export interface EndpointRequest {
  readonly params: Record<string, string>
  readonly query: URLSearchParams
  readonly body: string
  readonly now: number
  readonly traceId: string
}

export type Handler = (request: EndpointRequest) => Reply | Promise<Reply>

export type Handlers = { readonly [N in Name]: Handler }

export interface Backend<C extends Stored> {
  readonly store: GrowingStore<C>
  readonly signer: Signer
  /** A client in Clerk's wire format (each face encodes with its own schema). */
  readonly encode: (client: C) => unknown
}

/** The spec's words for each query parameter of `GET /v1/clients`, said when its value is not valid. */
export const listParamTexts = {
  limit: `limit must be an integer from ${listLimit.min} to ${listLimit.max}.`,
  offset: "offset needs to be an integer greater or equal to zero.",
  paginated: "paginated must be a boolean, true or false."
} as const

/** The 400 texts of `POST /v1/clients/verify`, after the spec's body schema (an object with only `token`). */
export const verifyBodyTexts = {
  notJson: "The request body is not valid JSON.",
  notObject: "The request body must be a JSON object.",
  unknown: (field: string) => `${field} is not a valid parameter.`,
  missing: "token must be provided.",
  notString: "token must be a string.",
  expired: "The client token has expired.",
  invalid: "The client token is malformed or its signature does not match."
} as const

/** An integer query parameter in [min, max], its default when absent, or `undefined` when it is not valid. */
const integerParam = (query: URLSearchParams, name: string, fallback: number, min: number, max: number) => {
  const raw = query.get(name)
  if (raw === null) return fallback
  if (!/^-?\d{1,16}$/.test(raw)) return undefined
  const value = Number(raw)
  return value >= min && value <= max ? value : undefined
}

export const handlers = <C extends Stored>(backend: Backend<C>): Handlers => {
  const client = (found: C | undefined, traceId: string): Reply =>
    found === undefined ? clientNotFound(traceId) : ok(backend.encode(found), traceId)
  return {
    list: ({ query, traceId }) => {
      const limit = integerParam(query, "limit", listLimit.default, listLimit.min, listLimit.max)
      if (limit === undefined) return invalidParam(traceId, "limit", listParamTexts.limit)
      const offset = integerParam(query, "offset", 0, 0, Number.MAX_SAFE_INTEGER)
      if (offset === undefined) return invalidParam(traceId, "offset", listParamTexts.offset)
      const paginated = query.get("paginated")
      if (paginated !== null && paginated !== "true" && paginated !== "false") {
        return invalidParam(traceId, "paginated", listParamTexts.paginated)
      }
      const data = backend.store.page(offset, limit).map(backend.encode)
      return ok(paginated === "true" ? { data, total_count: backend.store.size } : data, traceId)
    },
    get: ({ params, traceId }) => client(backend.store.get(params.client_id ?? ""), traceId),
    verify: async ({ body: text, now, traceId }) => {
      const texts = verifyBodyTexts
      // The spec does not require a body; without one, the required `token` is missing.
      const parsed: Parsed = text.trim() === "" ? { ok: true, json: {} } : parseJson(text)
      if (!parsed.ok) return badBody(traceId, "request_body_invalid", "Invalid request body", texts.notJson)
      const body = parsed.json
      if (typeof body !== "object" || body === null || Array.isArray(body)) {
        return badBody(traceId, "request_body_invalid", "Invalid request body", texts.notObject)
      }
      const unknownField = Object.keys(body).find((key) => key !== "token")?.slice(0, 64)
      if (unknownField !== undefined) {
        return badBody(traceId, "form_param_unknown", "Unknown parameter", texts.unknown(unknownField), unknownField)
      }
      if (!("token" in body)) return badBody(traceId, "form_param_missing", "token is missing", texts.missing, "token")
      const token = body.token
      if (typeof token !== "string") {
        return badBody(traceId, "form_param_format_invalid", "token is invalid", texts.notString, "token")
      }
      const verified = await backend.signer.verify(token, Math.floor(now / 1000))
      if (!verified.ok) {
        return verified.problem === "expired"
          ? badBody(traceId, "token_expired", "Token expired", texts.expired, "token")
          : badBody(traceId, "token_invalid", "Token invalid", texts.invalid, "token")
      }
      return client(backend.store.get(verified.claims.id), traceId)
    }
  }
}

type Parsed = { readonly ok: true; readonly json: unknown } | { readonly ok: false }

const parseJson = (text: string): Parsed => {
  try {
    return { ok: true, json: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}
