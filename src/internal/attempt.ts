/**
 * What the request pipeline asks of a transport for one attempt, beyond what `HttpClient` promises, said explicitly
 * rather than inferred from object identity:
 *
 * - **The attempt's time limit.** On the live clock the pipeline offers it in the fiber's context as an
 *   {@link AttemptTimeout}. The key is a string, so the offer reaches the transport through a `mapRequest`, a
 *   `transformClient` or a second installed copy of effect-clerk. A transport that enforces the limit itself (a timer
 *   that aborts the request, headers and body alike) calls `claim()`; one that does not simply ignores the offer.
 *   Each layer applies its own fiber-based timeout until a transport has claimed one, so a transport that cannot
 *   enforce the limit always gets the generic timeout (see `Timeouts` below).
 * - **A bounded body.** A response that carries {@link BoundedBody} reads its own body up to a byte limit (decompressing
 *   on the way), so the pipeline needs no per-chunk stream to enforce `maxResponseBytes`.
 *
 * @internal
 */
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import type * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Predicate from "effect/Predicate"

/**
 * One attempt's time limit, offered to the transport. Its methods are how a transport answers, so a transport from
 * another installed copy of effect-clerk can answer too.
 */
export class AttemptTimeoutOffer {
  claimed = false
  expired = false
  constructor(readonly millis: number) {}
  /** The transport will enforce the limit itself. */
  claim(): void {
    this.claimed = true
  }
  /** The transport's timer fired and it aborted the request: the pipeline reports `SDKError` `Timeout`. */
  expire(): void {
    this.expired = true
  }
}

export class AttemptTimeout extends Context.Tag("effect-clerk/AttemptTimeout")<AttemptTimeout, AttemptTimeoutOffer>() {}

/** A body read up to a limit: `truncated` means the body was longer (after decompression) and was not read further. */
export interface BodyText {
  readonly text: string
  readonly truncated: boolean
}

/** `Symbol.for`, so a response from a second installed copy of effect-clerk is recognised too. */
export const BoundedBody: unique symbol = Symbol.for("effect-clerk/BoundedBody")

export interface BoundedBodyReader {
  readonly [BoundedBody]: (limit: number) => Effect.Effect<BodyText, HttpClientError.ResponseError>
}

export const hasBoundedBody = (
  response: HttpClientResponse.HttpClientResponse
): response is HttpClientResponse.HttpClientResponse & BoundedBodyReader =>
  Predicate.hasProperty(response, BoundedBody) && Predicate.isFunction(response[BoundedBody])

let liveClock: Clock.Clock | undefined
/** The default clock, on which a `setTimeout` is the right timer; any other (`TestClock`) keeps virtual time. */
export const isLive = (clock: Clock.Clock): boolean => clock === (liveClock ??= Effect.runSync(Effect.clock))

/**
 * A layer's attempt timeouts. Until a transport has claimed an offered limit, every attempt also runs under the
 * pipeline's own timeout; once one has, attempts on the live clock are handed to it with no forked fiber. A transport
 * that stops claiming (a `transformClient` that sends some requests elsewhere) is noticed when its attempt ends, and
 * the pipeline's timeout comes back from the next attempt on.
 */
export class Timeouts {
  private transportEnforces = false

  /** The offer for one attempt: on the live clock only (a transport's timer cannot follow `TestClock`). */
  offer(clock: Clock.Clock, millis: number): AttemptTimeoutOffer | undefined {
    return isLive(clock) ? new AttemptTimeoutOffer(millis) : undefined
  }

  /** `attempt` under its time limit: the transport's, once one claims offers, else the pipeline's own. */
  limit<A, E>(
    attempt: Effect.Effect<A, E>,
    offer: AttemptTimeoutOffer | undefined,
    millis: number,
    onTimeout: () => E
  ): Effect.Effect<A, E> {
    return offer !== undefined && this.transportEnforces
      ? attempt
      : timeout(attempt, Duration.millis(millis), onTimeout)
  }

  /** Called when an attempt ends: did its transport claim the offer? */
  settle(offer: AttemptTimeoutOffer | undefined): void {
    if (offer !== undefined) this.transportEnforces = offer.claimed
  }
}

/**
 * `self`, failing with `onTimeout()` after `millis` of real time, for the pipeline's own limits (a transport that did
 * not claim the attempt's, and the call's `deadline`). `Effect.timeoutFail` races two forked fibers; on the live
 * clock one fork and a plain timer suffice. Under any other clock the generic `Effect.timeoutFail` keeps virtual time.
 */
export const timeout = <A, E, E1>(
  self: Effect.Effect<A, E>,
  duration: Duration.Duration,
  onTimeout: () => E1
): Effect.Effect<A, E | E1> =>
  Effect.clockWith((clock) =>
    isLive(clock)
      ? liveTimeout(self, Duration.toMillis(duration), onTimeout)
      : Effect.timeoutFail(self, { duration, onTimeout })
  )

const liveTimeout = <A, E, E1>(
  self: Effect.Effect<A, E>,
  millis: number,
  onTimeout: () => E1
): Effect.Effect<A, E | E1> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(Effect.fork(restore(self)), (child) =>
      restore(Effect.async<A, E | E1>((resume) => {
        const timer = setTimeout(
          () => resume(Effect.zipRight(Fiber.interrupt(child), Effect.fail(onTimeout()))),
          millis
        )
        child.addObserver((exit) => {
          clearTimeout(timer)
          resume(exit)
        })
        return Effect.zipRight(Effect.sync(() => clearTimeout(timer)), Fiber.interrupt(child))
      })))
  )
