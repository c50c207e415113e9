/**
 * A private contract between the request pipeline and effect-clerk's own `UndiciHttpClient`: the transport can
 * enforce the per-attempt timeout itself (a timer that aborts the request), which spares the pipeline a forked fiber
 * per attempt — the largest single cost of a call on the live clock.
 *
 * - `NativeTimeouts` is provided by `UndiciHttpClient.layer` and holds the very client it provides; the pipeline uses
 *   native timeouts only when the `HttpClient` it was given is that instance (an overriding transport is never
 *   trusted to enforce them).
 * - `attemptTimeouts` maps each request (a fresh object per call, which reaches our transport unchanged) to its
 *   per-attempt limit; the transport arms its timer from it. A WeakMap costs nothing per attempt, unlike a FiberRef.
 * - On expiry the transport fails with an `AttemptTimedOut` cause, which the pipeline maps to `SDKError` Timeout.
 *
 * Under any clock but the live one (TestClock in tests) the pipeline uses its own fiber-based timeout instead.
 *
 * @internal
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Context from "effect/Context"

export class NativeTimeouts
  extends Context.Tag("effect-clerk/internal/NativeTimeouts")<NativeTimeouts, HttpClient.HttpClient>()
{}

export const attemptTimeouts = new WeakMap<HttpClientRequest.HttpClientRequest, number>()

export class AttemptTimedOut extends Error {
  constructor(readonly millis: number) {
    super(`no complete response within ${millis} ms`)
    this.name = "AttemptTimedOut"
  }
}
