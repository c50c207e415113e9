/**
 * The emulator's body (Effect 3 face): the core's emulator (src/core/emulator/) behind an `@effect/platform`
 * `HttpApp`, and serving it on an `HttpServer`. `Emulator.ts` keeps the API and loads this module when an emulator is
 * made, so importing `effect-clerk` for a client does not load `@effect/platform`'s server side.
 *
 * @internal
 */
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Domain from "../Client.js"
import type { Check } from "../core/check.js"
import type * as Faults from "../core/emulator/faults.js"
import type { Reply } from "../core/emulator/replies.js"
import type * as Server from "../core/emulator/server.js"
import * as Setup from "../core/emulator/setup.js"
import type { Fault, Options, Stats } from "../Emulator.js"

const encodeClient = Schema.encodeSync(Domain.Client)

/** A check failed on the emulator's own options: a misconfigured test or program, so a defect. */
const orDie = <A>(check: Check<A>): Effect.Effect<A> =>
  check.ok ? Effect.succeed(check.value) : Effect.dieMessage(check.error)

/** What `Emulator.make` documents: the request handler (`app`) and the controls. */
export const make = (options: Options) =>
  Effect.gen(function*() {
    const limit = options.rateLimit
    const setup = yield* orDie(
      yield* Effect.promise(() =>
        Setup.make({
          secretKey: options.secretKey,
          seed: options.seed,
          clients: options.clients,
          seedClients: options.seedClients,
          rateLimit: limit === undefined || typeof limit === "string"
            ? limit
            : { limit: limit.limit, windowMillis: Duration.toMillis(limit.window) },
          faultRate: options.faultRate,
          signingKey: options.signingKey,
          statuses: Domain.KnownSessionStatus.literals,
          encode: encodeClient
        })
      )
    )
    const { emulator, store } = setup
    return {
      app: handle(emulator),
      mintToken: (clientId: string, mintOptions: { readonly expiresIn?: Duration.DurationInput } = {}) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.promise(() =>
            setup.mintToken(
              clientId,
              now,
              mintOptions.expiresIn === undefined
                ? undefined
                : Duration.toSeconds(Duration.decode(mintOptions.expiresIn))
            )
          )),
      // A fault the emulator cannot apply is a bug in the test, as it is for the admin route and the header.
      injectFaults: (...inputs: ReadonlyArray<Fault>) => Effect.suspend(() => orDie(setup.injectFaults(inputs))),
      clearFaults: Effect.sync(setup.clearFaults),
      stats: Effect.sync((): Stats => emulator.stats()),
      createClients: (count: number) => Effect.map(Clock.currentTimeMillis, (now) => store.create(count, now)),
      get clients() {
        return store.all()
      },
      get size() {
        return store.size
      },
      secretKey: Redacted.make(setup.secretKey)
    }
  })

/** Serves `app` on the `HttpServer` in the context; succeeds with its origin (`http://127.0.0.1:PORT`, no path). */
export const serve = (
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest>
) =>
  Effect.zipRight(
    HttpServer.serveEffect(app),
    HttpServer.addressWith((address) =>
      Effect.succeed(
        address._tag === "TcpAddress"
          ? `http://${
            address.hostname === "0.0.0.0" || address.hostname === "::" ? "127.0.0.1" : address.hostname
          }:${address.port}`
          : `http://unix:${address.path}`
      )
    )
  )

// ---------------------------------------------------------------------------------------------------------------
// Request handling: the core decides (src/core/emulator/server.ts); this face reads the request, sleeps a fault's
// latency on the Effect clock, and applies the faults that need the connection.
// ---------------------------------------------------------------------------------------------------------------

const readText = (request: HttpServerRequest.HttpServerRequest) => Effect.orElseSucceed(request.text, () => "")

const handle = (emulator: Server.Emulator) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const plan = emulator.plan(
      {
        method: request.method,
        url: request.url,
        authorization: request.headers.authorization,
        faultHeader: request.headers["x-emulator-fault"]
      },
      yield* Clock.currentTimeMillis
    )
    switch (plan._tag) {
      case "Reply":
        return respond(plan.reply)
      case "Admin": {
        const body = yield* readText(request)
        const now = yield* Clock.currentTimeMillis
        return respond(yield* Effect.promise(() => emulator.admin(plan, body, now)))
      }
      case "Endpoint": {
        const real = Effect.gen(function*() {
          const body = plan.readsBody ? yield* readText(request) : ""
          const now = yield* Clock.currentTimeMillis
          return yield* Effect.promise(() => emulator.answer(plan, body, now))
        })
        if (plan.latencyMs > 0) yield* Effect.sleep(Duration.millis(plan.latencyMs))
        const application = plan.application
        const outcome = application._tag === "Instead" ? application.outcome : application.outcome(yield* real)
        return carryOut(outcome, request)
      }
    }
  })

/** Carries out what the core says to send (core/emulator/faults.ts `Outcome`). */
const carryOut = (
  outcome: Faults.Outcome,
  request: HttpServerRequest.HttpServerRequest
): HttpServerResponse.HttpServerResponse => {
  switch (outcome._tag) {
    case "Send":
      return respond(outcome.reply, outcome.contentType)
    case "Drop":
      destroyConnection(request.source)
      return HttpServerResponse.empty({ status: 503 })
    case "Reset":
      return HttpServerResponse.stream(
        Stream.concat(
          Stream.make(outcome.head),
          Stream.fromEffect(Effect.sync(() => destroyConnection(request.source))).pipe(Stream.drain)
        ),
        {
          status: outcome.status,
          contentType: outcome.contentType,
          headers: { "content-length": String(outcome.length) }
        }
      )
  }
}

/** Closes the underlying socket where the platform exposes one (Node's `IncomingMessage.socket`). */
const destroyConnection = (source: unknown): void => {
  if (!Predicate.hasProperty(source, "socket")) return
  const socket = source.socket
  if (Predicate.hasProperty(socket, "destroy") && typeof socket.destroy === "function") socket.destroy()
}

const respond = (reply: Reply, contentType = "application/json"): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(reply.body, { status: reply.status, contentType, headers: reply.headers })
