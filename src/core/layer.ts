/**
 * A `Clients` layer's options, checked and resolved the same way on both faces: the key, the API version and URL,
 * the body limit, the time limits, the pacer's options, and the headers every request carries. A face decodes its
 * own `Redacted` and durations, and turns a failure into its own `ConfigError` at the option's path.
 */
import type { Check, Invalid } from "./check.js"
import * as CoreOptions from "./options.js"
import * as Pacing from "./pacing.js"
import * as CoreSettings from "./settings.js"
import { version } from "./version.js"

/** A layer's options as a face reads them; `D` is the face's duration input. */
export interface Input<D> extends Pacing.LayerOptions<D> {
  /** Whether the `secretKey` option was a `Redacted` at all, and what it wraps. */
  readonly secretKey: { readonly redacted: boolean; readonly value: unknown }
  readonly apiUrl?: string | undefined
  readonly apiVersion?: string | undefined
  readonly timeout?: D | undefined
  readonly deadline?: D | undefined
  readonly maxResponseBytes?: number | undefined
}

export interface Checked {
  readonly secret: string
  readonly apiVersion: string
  /** The API base, without a trailing slash, e.g. `https://api.clerk.com/v1`. */
  readonly baseUrl: string
  /** The path part of `baseUrl`, for error messages. */
  readonly basePath: string
  /** What every request carries: the key, the API version, who we are, and what we accept. */
  readonly headers: Readonly<Record<string, string>>
  readonly maxResponseBytes: number
  /** Each attempt's time limit; `Infinity` for none. */
  readonly timeoutMillis: number
  /** Each call's time limit; `Infinity` for none. */
  readonly deadlineMillis: number
  readonly pacing: Pacing.Options
}

/**
 * The layer's settings, or the first option that is wrong. `durationMillis` is the face's check of one duration option (core/options.ts `timeLimit` after decoding).
 */
export const check = <D>(
  input: Input<D>,
  durationMillis: (name: string, input: D) => Check<number>
): { readonly ok: true; readonly value: Checked } | Invalid => {
  const at = (path: string, failed: { readonly error: string }): Invalid => ({
    ok: false,
    path: [path],
    error: failed.error
  })
  const secret = CoreSettings.secretKey(input.secretKey.redacted, input.secretKey.value)
  if (!secret.ok) return at("secretKey", secret)
  const versions = CoreOptions.apiVersion(input.apiVersion)
  if (!versions.ok) return at("apiVersion", versions)
  const url = CoreOptions.apiUrl(input.apiUrl ?? CoreOptions.defaultApiUrl, versions.value.pathVersion)
  if (!url.ok) return at("apiUrl", url)
  const maxResponseBytes = CoreOptions.byteLimit(
    "maxResponseBytes",
    input.maxResponseBytes ?? CoreOptions.defaultMaxResponseBytes
  )
  if (!maxResponseBytes.ok) return at("maxResponseBytes", maxResponseBytes)
  const timeout = input.timeout === undefined ? undefined : durationMillis("timeout", input.timeout)
  if (timeout?.ok === false) return at("timeout", timeout)
  const deadline = input.deadline === undefined ? undefined : durationMillis("deadline", input.deadline)
  if (deadline?.ok === false) return at("deadline", deadline)
  const pacing = Pacing.resolve(input, durationMillis)
  if (!pacing.ok) return pacing
  const apiVersion = versions.value.apiVersion
  return {
    ok: true,
    value: {
      secret: secret.value,
      apiVersion,
      baseUrl: url.value.href.replace(/\/+$/, ""),
      basePath: url.value.pathname.replace(/\/+$/, ""),
      headers: {
        authorization: `Bearer ${secret.value}`,
        "clerk-api-version": apiVersion,
        "user-agent": `effect-clerk/${version}`,
        accept: "application/json"
      },
      maxResponseBytes: maxResponseBytes.value,
      timeoutMillis: timeout?.value ?? CoreOptions.defaultTimeoutMillis,
      deadlineMillis: deadline?.value ?? Number.POSITIVE_INFINITY,
      pacing: pacing.value
    }
  }
}
