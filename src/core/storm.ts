/**
 * Storm protection: a circuit breaker per key, so that retries stop multiplying load once they plainly do not help.
 *
 * - **Closed** (normal). Every attempt goes; the last {@link window} outcomes are remembered. When at least
 *   {@link tripAt} of them failed (a 5xx without `Retry-After`, a refused or reset connection, a timeout), all within
 *   {@link span} ms, the circuit opens. A service that fails 30 % of requests at random never gets there (the chance
 *   of 18 failures in 20 is about 4·10⁻⁸), so its calls keep their retries.
 * - **Open.** Attempts are shed (they fail at once, nothing is sent) except one probe every {@link probeEvery} ms,
 *   which goes out whatever else is in flight, so a probe stuck on a timeout does not delay the next one.
 * - Any answer that is not a failure (a success, a 404, a 429) while open closes the circuit at once: the service
 *   is back, and every call goes again.
 *
 * Rate limiting is not an outage: 429 and a 503 with `Retry-After` are the gate's business (see rate.ts).
 */

/** How many recent outcomes are weighed. */
export const window = 20
/** Failures among them that open the circuit. */
export const tripAt = 18
/** The outcomes weighed must all lie within this many milliseconds. */
export const span = 30_000
/** One probe per this many milliseconds while open: a recovered service is noticed within about a second. */
export const probeEvery = 1000

/** Why attempts are shed, and until when (epoch millis): the time the next probe may go. */
export interface Shed {
  readonly until: number
  readonly failures: number
  readonly of: number
  /** The last failure seen, e.g. `503` or `transport`. */
  readonly last: string
}

/** Was this outcome a sign that the service is down (rather than answering, or limiting us)? */
export const isOutage = (status: number | undefined, retryAfterMillis: number): boolean =>
  status === undefined || (status >= 500 && !(status === 503 && retryAfterMillis > 0))

/** What the breaker sees of other processes sharing the key (see SharedBudget): set by a peer, merged here. */
export interface StormSignal {
  /** Open until this probe time (epoch millis); 0 means closed. */
  readonly openUntil: number
}

export class Storm {
  private readonly times: Array<number> = []
  private readonly failed: Array<boolean> = []
  private next = 0
  private filled = 0
  /** Epoch millis of the next probe while open; 0 when closed. */
  private openUntil = 0
  private lastFailure = "transport"
  private tripFailures = 0
  /** Told when the circuit opens or closes here, so that peers can follow (see SharedBudget). */
  onChange: ((signal: StormSignal) => void) | undefined = undefined

  /** `undefined` when an attempt may go at `now` (perhaps as the probe); otherwise why and until when it is shed. */
  admit(now: number): Shed | undefined {
    if (this.openUntil === 0) return undefined
    if (now >= this.openUntil) {
      this.openUntil = now + probeEvery
      return undefined
    }
    return { until: this.openUntil, failures: this.tripFailures, of: window, last: this.lastFailure }
  }

  isOpen(): boolean {
    return this.openUntil !== 0
  }

  observe(now: number, status: number | undefined, retryAfterMillis: number): void {
    if (status === 429) return
    const outage = isOutage(status, retryAfterMillis)
    if (!outage) {
      if (this.openUntil !== 0) {
        this.close()
        this.onChange?.({ openUntil: 0 })
      }
      this.record(now, false)
      return
    }
    this.lastFailure = status === undefined ? "transport" : String(status)
    if (this.openUntil !== 0) {
      // A probe, or an attempt sent before the circuit opened: still down. Said again, so that the shared record
      // lives as long as some process still sees the outage (a process that starts now follows it).
      this.onChange?.({ openUntil: this.openUntil })
      return
    }
    this.record(now, true)
    if (this.filled < window) return
    let failures = 0
    let oldest = now
    for (let i = 0; i < window; i++) {
      if (this.failed[i]) failures++
      oldest = Math.min(oldest, this.times[i]!)
    }
    if (failures >= tripAt && now - oldest <= span) {
      this.tripFailures = failures
      this.openUntil = now + probeEvery
      this.onChange?.({ openUntil: this.openUntil })
    }
  }

  /**
   * A peer's view: it opened (we follow, keeping our own probe time if sooner) or closed (we close). An open record
   * whose probe time has passed is still open: nobody has seen Clerk answer since, so the next attempt here is the
   * probe and the others are shed, as on the process that opened it.
   */
  merge(signal: StormSignal): void {
    if (signal.openUntil === 0) {
      if (this.openUntil !== 0) this.close()
      return
    }
    if (this.openUntil === 0) {
      this.openUntil = signal.openUntil
      this.tripFailures = tripAt
    }
  }

  private close(): void {
    this.openUntil = 0
    this.filled = 0
    this.next = 0
  }

  private record(now: number, failed: boolean): void {
    this.times[this.next] = now
    this.failed[this.next] = failed
    this.next = (this.next + 1) % window
    this.filled = Math.min(window, this.filled + 1)
  }
}

/** The reason a shed attempt gives, for `SDKError.description`. */
export const describeShed = (shed: Shed, now: number): string =>
  `Clerk looks unavailable (${shed.failures} of the last ${shed.of} attempts failed, last: ${shed.last}); ` +
  `calls are shed without a request until the next probe in ${Math.max(0, shed.until - now)} ms`
