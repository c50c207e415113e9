/**
 * What is read from the environment, by one set of `Config`s: `layerConfig` (and the CLI, through it) reads them from
 * the current `ConfigProvider`, the Promise API from {@link environment}. Each error says which variable is wrong and
 * the form it is expected in, and a duration is read as people type it (`5000`, `5 seconds`), not only as Effect
 * writes it.
 *
 * @internal
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as CoreEnv from "../core/env.js"
import * as Core from "../core/options.js"
import * as CoreSettings from "../core/settings.js"

/** The variables read and the forms their values take: the core's, which the Effect 4 face reads too. */
export const { durationForm, names, secretKeyForm } = CoreSettings

/** A variable, unset when absent or blank: `CLERK_API_URL=` in a `.env` template means "not set", not "empty URL". */
const text = (name: string): Config.Config<Option.Option<string>> =>
  Config.string(name).pipe(Config.option, Config.map(Option.filter((value) => value.trim() !== "")))

/**
 * The secret key, as `Redacted`. Unset or blank fails with `MissingData` at `name` saying what is expected; the value
 * never appears in a message. `unset` replaces the sentence for a missing key (the Promise API names its option).
 */
export const secretKey = (
  name: string = names.secretKey,
  unset: string = CoreSettings.secretKeyUnset
): Config.Config<Redacted.Redacted<string>> =>
  text(name).pipe(Config.mapOrFail(Option.match({
    onNone: () => Either.left(ConfigError.MissingData([name], unset)),
    onSome: (value) => Either.right(Redacted.make(value))
  })))

/** A text variable with a fallback when unset or blank. */
export const string = (name: string, fallback: string): Config.Config<string> =>
  Config.map(text(name), Option.getOrElse(() => fallback))

/**
 * A duration read with {@link Core.parseDurationText}: `5000` (milliseconds), `5 seconds`, `500 millis`, `infinity`.
 * Unset or blank gives `fallback`; anything else, zero included, fails with `InvalidData` giving the format.
 */
export const duration = (name: string, fallback: Duration.Duration): Config.Config<Duration.Duration> =>
  text(name).pipe(Config.mapOrFail(Option.match({
    onNone: () => Either.right(fallback),
    onSome: (value) => {
      const millis = Core.parseDurationText(value)
      return millis !== undefined && Core.timeLimit(name, millis).ok
        ? Either.right(millis === Number.POSITIVE_INFINITY ? Duration.infinity : Duration.millis(millis))
        : Either.left(ConfigError.InvalidData([name], CoreSettings.notADurationVariable(value)))
    }
  })))

/**
 * The `wanted` variables from `env` (default: `process.env` where there is one), as a `ConfigProvider`: string
 * values, and numbers as their text. Each read is guarded: workerd has no `process`, and Deno without `--allow-env`
 * throws on reading one; both read as unset.
 */
export const environment = (
  env: unknown,
  wanted: ReadonlyArray<string> = Object.values(names)
): ConfigProvider.ConfigProvider => ConfigProvider.fromMap(new Map(Object.entries(CoreEnv.read(env, wanted))))
