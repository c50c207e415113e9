/**
 * The emulator's faults: what a fault may say, the one validation behind every way to inject one (the service,
 * the admin route, the `X-Emulator-Fault` header), the queue they wait in, and the random ones of `faultRate`.
 */
import { isName, type Name } from "../endpoints.js"
import { clerkError, type Reply, withHeader } from "./replies.js"

/** What a fault does to the answer; see `Fault.kind`. */
export type FaultKind = "status" | "drop" | "reset" | "truncate" | "malformed" | "html"

export const faultKinds: ReadonlyArray<FaultKind> = ["status", "drop", "reset", "truncate", "malformed", "html"]

/**
 * A misbehaviour to inject. Without `kind`, a fault with `status` or `retryAfter` is a `status` fault, and one with
 * neither (only `latencyMs`, say) gives the real answer, `latencyMs` late: a slow but successful request.
 */
export interface Fault {
  /** Only requests of this operation; default any. */
  readonly operation?: Name
  /** How many matching requests it applies to (queued faults only). Default 1. */
  readonly times?: number
  /**
   * - `status` (the default when `status` or `retryAfter` is given): answer `status` (default 503) with a Clerk
   *   error body.
   * - `drop`: close the connection before any response.
   * - `reset`: send headers and half the body, then close the connection.
   * - `truncate`: a complete response whose JSON body is cut in half.
   * - `malformed`: a 200 whose body is not JSON at all, labelled `application/json`.
   * - `html`: an HTML error page (status default 502), as a proxy in front of Clerk would send.
   *
   * Without `kind`, `status` and `retryAfter`, the fault changes nothing but the time: the real answer, late.
   */
  readonly kind?: FaultKind
  readonly status?: number
  /** Sent as the `Retry-After` header, verbatim (seconds or an HTTP-date). */
  readonly retryAfter?: string
  /**
   * Milliseconds to wait before answering, 0 to 600000 (on the face's clock: in the Effect face, `TestClock`
   * controls it). With any kind, or alone for a slow but successful answer.
   */
  readonly latencyMs?: number
}

/** The longest `latencyMs` accepted: ten minutes. */
export const maxLatencyMs = 600_000

/** What the fault does: a kind, or `"late"` for a fault that only delays the real answer. */
export const effectOf = (fault: Fault): FaultKind | "late" =>
  fault.kind ?? (fault.status !== undefined || fault.retryAfter !== undefined ? "status" : "late")

const isFaultKind = (u: unknown): u is FaultKind => faultKinds.some((kind) => kind === u)

const fields: ReadonlyArray<string> = ["kind", "status", "retryAfter", "latencyMs", "times", "operation"]

/** The fault, if `input` is a valid one. */
export const parseFault = (input: unknown): Fault | undefined => {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return undefined
  // An unknown field is most likely a misspelt one: refused, rather than a fault that silently does something else.
  if (Object.keys(input).some((key) => !fields.includes(key))) return undefined
  const record: { readonly [key: string]: unknown } = { ...input }
  const { kind, status, retryAfter, latencyMs, times, operation } = record
  const fault: { -readonly [K in keyof Fault]: Fault[K] } = {}
  if (kind !== undefined) {
    if (!isFaultKind(kind)) return undefined
    fault.kind = kind
  }
  if (operation !== undefined) {
    if (!isName(operation)) return undefined
    fault.operation = operation
  }
  if (status !== undefined) {
    if (typeof status !== "number" || !Number.isInteger(status) || status < 100 || status > 599) return undefined
    fault.status = status
  }
  if (retryAfter !== undefined) {
    if (typeof retryAfter !== "string" || /[\r\n]/.test(retryAfter)) return undefined
    fault.retryAfter = retryAfter
  }
  if (latencyMs !== undefined) {
    if (typeof latencyMs !== "number" || !(latencyMs >= 0) || latencyMs > maxLatencyMs) return undefined
    fault.latencyMs = latencyMs
  }
  if (times !== undefined) {
    if (typeof times !== "number" || !Number.isInteger(times) || times < 1) return undefined
    fault.times = times
  }
  return fault
}

/** Every fault valid, or `undefined`. */
export const parseFaults = (inputs: ReadonlyArray<unknown>): ReadonlyArray<Fault> | undefined => {
  const faults: Array<Fault> = []
  for (const input of inputs) {
    const fault = parseFault(input)
    if (fault === undefined) return undefined
    faults.push(fault)
  }
  return faults
}

/** What `faultRate` draws from: the transient failures a client should ride out. */
export const randomFaults: ReadonlyArray<Fault> = [
  { status: 503 },
  { status: 429, retryAfter: "1" },
  { status: 502, kind: "html" },
  { kind: "drop" },
  { status: 500 }
]

/** Queued faults, taken in order by the requests they match, then random ones at `rate`. */
export interface FaultQueue {
  readonly enqueue: (faults: ReadonlyArray<Fault>) => void
  readonly clear: () => void
  readonly size: () => number
  /** The fault for this request: the header's (if valid), else the first queued one that matches, else a random one. */
  readonly pick: (operation: Name, header: string | undefined) => Fault | undefined
}

export const faultQueue = (rate: number, random: () => number): FaultQueue => {
  const queue: Array<{ readonly fault: Fault; remaining: number }> = []
  return {
    enqueue: (faults) => {
      for (const fault of faults) queue.push({ fault, remaining: fault.times ?? 1 })
    },
    clear: () => {
      queue.length = 0
    },
    size: () => queue.length,
    pick: (operation, header) => {
      if (header !== undefined) {
        const fault = parseFault(parseJson(header))
        if (fault !== undefined) return fault
      }
      const index = queue.findIndex(({ fault }) => fault.operation === undefined || fault.operation === operation)
      if (index !== -1) {
        const entry = queue[index]!
        if (--entry.remaining <= 0) queue.splice(index, 1)
        return entry.fault
      }
      if (rate > 0 && random() < rate) return randomFaults[Math.floor(random() * randomFaults.length)]
      return undefined
    }
  }
}

/** A small, seeded generator for `faultRate`: the same seed injects the same faults. */
export const seededRandom = (seed: number): () => number => {
  let state = (seed ^ 0x9e3779b9) >>> 0
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 4294967296
  }
}

const statusTexts: Record<number, readonly [string, string]> = {
  429: ["too_many_requests", "Too many requests"],
  500: ["internal_clerk_error", "Something went wrong"],
  502: ["bad_gateway", "Bad gateway"],
  503: ["service_unavailable", "Service unavailable"],
  504: ["gateway_timeout", "Gateway timeout"]
}

/** The answer of a `status` fault: its status (default 503), a Clerk error body, and its `Retry-After`. */
export const statusReply = (fault: Fault, traceId: string): Reply => {
  const status = fault.status ?? 503
  const [code, message] = statusTexts[status] ?? [`status_${status}`, `Injected status ${status}`]
  const reply = clerkError(status, traceId, code, message, `${message} (injected by the emulator).`)
  return fault.retryAfter === undefined ? reply : withHeader(reply, "retry-after", fault.retryAfter)
}

/** The answer of an `html` fault: a proxy's error page (status default 502), to be sent as `text/html`. */
export const htmlReply = (fault: Fault, traceId: string): Reply => {
  const status = fault.status ?? 502
  return {
    status,
    body: `<html><head><title>${status}</title></head><body>Bad gateway</body></html>`,
    headers: { "clerk-trace-id": traceId }
  }
}

/** The answer of a `malformed` fault: a 200 labelled JSON whose body is not JSON. */
export const malformedReply: Reply = { status: 200, body: "{\"object\": client, oops", headers: {} }

/** `reply` with its body cut in half (a `truncate` fault). */
export const truncated = (reply: Reply): Reply => ({
  ...reply,
  body: reply.body.slice(0, Math.floor(reply.body.length / 2))
})

/**
 * What a fault makes of an endpoint's answer, for a face's server to carry out: a reply to send, the connection
 * closed before any answer (`drop`), or the answer's first half sent under its full `content-length` and then the
 * connection closed (`reset`).
 */
export type Outcome =
  | { readonly _tag: "Send"; readonly reply: Reply; readonly contentType: string }
  | { readonly _tag: "Drop" }
  | {
    readonly _tag: "Reset"
    readonly status: number
    readonly contentType: string
    readonly head: Uint8Array
    readonly length: number
  }

/**
 * How a fault applies: in place of the answer (`status`, `drop`, `html`, `malformed`), so the endpoint never runs, or
 * to the real answer, which it keeps (latency alone) or spoils (`truncate`, `reset`).
 */
export type Application =
  | { readonly _tag: "Instead"; readonly outcome: Outcome }
  | { readonly _tag: "OnAnswer"; readonly outcome: (answer: Reply) => Outcome }

const json = "application/json"
const send = (reply: Reply, contentType = json): Outcome => ({ _tag: "Send", reply, contentType })

/** No fault: the real answer, as it is. */
export const passThrough: Application = { _tag: "OnAnswer", outcome: (answer) => send(answer) }

/** Every fault kind in one place: what `fault` does to the request whose trace id is `traceId`. */
export const application = (fault: Fault, traceId: string): Application => {
  switch (effectOf(fault)) {
    case "late":
      return passThrough
    case "truncate":
      return { _tag: "OnAnswer", outcome: (answer) => send(truncated(answer)) }
    case "reset":
      return {
        _tag: "OnAnswer",
        outcome: (answer) => {
          const bytes = new TextEncoder().encode(answer.body)
          const head = bytes.subarray(0, Math.floor(bytes.length / 2))
          return { _tag: "Reset", status: answer.status, contentType: json, head, length: bytes.length }
        }
      }
    case "drop":
      return { _tag: "Instead", outcome: { _tag: "Drop" } }
    case "html":
      return { _tag: "Instead", outcome: send(htmlReply(fault, traceId), "text/html") }
    case "malformed":
      return { _tag: "Instead", outcome: send(malformedReply) }
    case "status":
      return { _tag: "Instead", outcome: send(statusReply(fault, traceId)) }
  }
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
