#!/usr/bin/env node
/**
 * The `effect-clerk` command line, on @effect/cli. Every command goes through the same `Clients` service as the
 * library; `--emulator` (and `tour`) run against the embedded emulator on a free loopback port.
 *
 * Exit codes: 0 ok · 1 unexpected · 2 usage or invalid input (nothing sent) · 3 Clerk answered with an error ·
 * 4 transport failure or timeout · 5 unexpected response (status without a Clerk body, undecodable body).
 *
 * @internal
 */
import { Args, Command, Options } from "@effect/cli"
import { NodeContext, NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import type { Console } from "effect"
import {
  Cause,
  Chunk,
  Config,
  ConfigError,
  Context,
  Duration,
  Effect,
  Either,
  Exit,
  FiberRef,
  HashSet,
  Layer,
  Logger,
  LogLevel,
  Option,
  Redacted,
  Schedule,
  Schema,
  Stream
} from "effect"
import { readFileSync } from "node:fs"
import { createServer } from "node:http"
import { version } from "../core/version.js"
import { ClerkError, Client, Clients, Emulator, RetryPolicy } from "../index.js"
import { describeConfigError } from "../internal/configError.js"
import * as UndiciHttpClient from "../UndiciHttpClient.js"
import { tour } from "./tour.js"

// ---------------------------------------------------------------------------------------------------------------
// Shared options
// ---------------------------------------------------------------------------------------------------------------

/** An integer option that must lie in [min, max]; anything else is a usage error before anything runs. */
const bounded = (option: Options.Options<number>, min: number, max = Number.MAX_SAFE_INTEGER) =>
  option.pipe(Options.filterMap(
    (n) => (n >= min && n <= max ? Option.some(n) : Option.none()),
    max === Number.MAX_SAFE_INTEGER ? `must be ${min} or more` : `must be from ${min} to ${max}`
  ))

const common = {
  json: Options.boolean("json").pipe(
    Options.withDescription(
      "Print Clerk's wire JSON on a terminal too. Without it: a table on a terminal; off a terminal (a pipe, a " +
        "file) the same JSON as --json."
    )
  ),
  emulator: Options.boolean("emulator").pipe(
    Options.withDescription(
      "Run against an embedded emulator on a free loopback port instead of Clerk. Not together with --api-url " +
        "or CLERK_API_URL: that is a usage error."
    )
  ),
  apiUrl: Options.text("api-url").pipe(
    Options.withDescription("Clerk API base URL (default: $CLERK_API_URL, else https://api.clerk.com/v1)."),
    Options.optional
  ),
  retry: Options.choice("retry", ["standard", "speakeasy", "none"]).pipe(
    Options.withDescription("Retry policy (see README, Resilience)."),
    Options.withDefault("standard")
  ),
  maxRetries: bounded(Options.integer("max-retries"), 0).pipe(
    Options.withDescription("Override the policy's maximum number of retries."),
    Options.optional
  ),
  timeoutMs: bounded(Options.integer("timeout-ms"), 1).pipe(
    Options.withDescription("Per-attempt timeout in ms."),
    Options.optional
  ),
  deadlineMs: bounded(Options.integer("deadline-ms"), 1).pipe(
    Options.withDescription("Deadline for a whole call, in ms."),
    Options.optional
  ),
  rateLimit: bounded(Options.integer("rate-limit"), 1).pipe(
    Options.withDescription("At most this many requests per --rate-interval-ms (default 10000). Default: adaptive."),
    Options.optional
  ),
  rateIntervalMs: bounded(Options.integer("rate-interval-ms"), 1).pipe(Options.withDefault(10_000))
}

interface Common {
  readonly json: boolean
  readonly emulator: boolean
  readonly apiUrl: Option.Option<string>
  readonly retry: "standard" | "speakeasy" | "none"
  readonly maxRetries: Option.Option<number>
  readonly timeoutMs: Option.Option<number>
  readonly deadlineMs: Option.Option<number>
  readonly rateLimit: Option.Option<number>
  readonly rateIntervalMs: number
}

/** Where the CLI exits, by kind of failure. */
const exitCodes = { ok: 0, unexpected: 1, usage: 2, clerk: 3, transport: 4, response: 5 } as const

class UsageError {
  readonly _tag = "UsageError"
  constructor(readonly message: string) {}
}

/** The chosen policy; `--max-retries` caps it with `Schedule.recurs`, as any policy composes. */
const policyOf = (options: Common): RetryPolicy.RetryPolicy | false => {
  if (options.retry === "none") return false
  const policy = options.retry === "speakeasy" ? RetryPolicy.speakeasy : RetryPolicy.standard
  return Option.match(options.maxRetries, {
    onNone: () => policy,
    onSome: (n) => policy.pipe(Schedule.intersect(Schedule.recurs(n)))
  })
}

/** Runs `use` with a `Clients` service configured from the options: the emulator, or Clerk via the environment. */
const withClients = <A, E>(
  options: Common,
  use: (clients: Clients.Service, emulator: Option.Option<Emulator.Service>) => Effect.Effect<A, E>
) =>
  Effect.scoped(Effect.gen(function*() {
    const timeout = Option.map(options.timeoutMs, Duration.millis)
    const settings = {
      retry: policyOf(options),
      ...Option.match(options.deadlineMs, { onNone: () => ({}), onSome: (ms) => ({ deadline: Duration.millis(ms) }) }),
      ...Option.match(options.rateLimit, {
        onNone: () => ({}),
        onSome: (limit) => ({ rateLimit: { limit, interval: Duration.millis(options.rateIntervalMs) } })
      })
    }
    if (options.emulator) {
      const fromEnv = yield* Config.option(Config.nonEmptyString("CLERK_API_URL")).pipe(
        Effect.orElseSucceed(() => Option.none<string>())
      )
      const given = Option.isSome(options.apiUrl) ? "--api-url" : Option.isSome(fromEnv) ? "CLERK_API_URL" : undefined
      if (given !== undefined) {
        return yield* Effect.fail(
          new UsageError(
            `--emulator and ${given} exclude each other: --emulator runs against an embedded emulator, ${given} ` +
              `names another server. Drop one${given === "CLERK_API_URL" ? " (unset CLERK_API_URL)" : ""}.`
          )
        )
      }
    }
    const emulator = options.emulator
      ? Option.some(Context.get(yield* Layer.build(emulatorLayer({})), Emulator.Emulator))
      : Option.none()
    const layer = Option.match(emulator, {
      onSome: (running) =>
        Clients.layer({
          secretKey: running.secretKey,
          apiUrl: running.apiUrl,
          ...settings,
          ...Option.match(timeout, { onNone: () => ({}), onSome: (d) => ({ timeout: d }) })
        }),
      onNone: () =>
        Clients.layerConfig({
          ...settings,
          ...Option.match(timeout, { onNone: () => ({}), onSome: (d) => ({ timeout: Config.succeed(d) }) }),
          ...Option.match(options.apiUrl, { onNone: () => ({}), onSome: (url) => ({ apiUrl: Config.succeed(url) }) })
        })
    })
    const context = yield* Layer.build(layer.pipe(Layer.provide(UndiciHttpClient.layer))).pipe(
      Effect.mapError((error) =>
        new UsageError(
          ConfigError.isMissingData(error)
            ? "CLERK_SECRET_KEY is not set: export it (your instance's secret key), or pass --emulator"
            : `configuration: ${describeConfigError(error)}`
        )
      )
    )
    return yield* use(Context.get(context, Clients.Clients), emulator)
  }))

/** The emulator on a port; a port that is taken (or not allowed) is the user's to fix, said plainly. */
const emulatorLayer = (options: Emulator.Options, port = 0, host = "127.0.0.1") =>
  Emulator.layer(options).pipe(
    Layer.provide(NodeHttpServer.layer(createServer, { port, host })),
    Layer.catchAllCause((cause) => {
      const code = Cause.squash(cause)
      const reason = serveErrorCode(code)
      return Layer.fail(
        new UsageError(
          reason === "EADDRINUSE"
            ? `port ${port} on ${host} is already in use (EADDRINUSE): pass another --port, or 0 for any free port`
            : `cannot listen on ${host}:${port}${reason === undefined ? "" : ` (${reason})`}`
        )
      )
    })
  )

/** The system error code inside a platform `ServeError` (`EADDRINUSE`, `EACCES`, …). */
const serveErrorCode = (error: unknown): string | undefined => {
  let current: unknown = error
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    if ("code" in current && typeof current.code === "string") return current.code
    current = "cause" in current ? current.cause : undefined
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------------------------

/** `NO_COLOR` set to anything but the empty string (https://no-color.org): no control sequences, even on a terminal. */
const noColor = (process.env.NO_COLOR ?? "") !== ""

/** Set once stdout's reader went away (`| head`): output stops and the command ends quietly. */
let stdoutClosed = false
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error
  stdoutClosed = true
})

class StdoutClosed {
  readonly _tag = "StdoutClosed"
}

const write = (text: string): Effect.Effect<void, StdoutClosed> =>
  Effect.suspend(() => {
    if (stdoutClosed) return Effect.fail(new StdoutClosed())
    process.stdout.write(text)
    return Effect.void
  })

const table = (rows: ReadonlyArray<Record<string, string>>): string => {
  if (rows.length === 0) return "(no clients)\n"
  const columns = Object.keys(rows[0]!)
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => (row[column] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()
  return [
    line(columns),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map((row) => line(columns.map((c) => row[c] ?? "")))
  ]
    .join("\n") + "\n"
}

const summary = (client: Client.Client): Record<string, string> => ({
  id: client.id,
  sessions: client.sessions.map((session) => `${session.status}`).join(",") || "-",
  "last active session": client.lastActiveSessionId ?? "-",
  "last strategy": client.lastAuthenticationStrategy ?? "-",
  "created at": new Date(client.createdAt).toISOString()
})

/** JSON output is Clerk's own wire format, so it matches Clerk's docs and `emulator --data` can load it back. */
const encodeClient = Schema.encodeSync(Client.Client)

/**
 * What `list`, `get` and `verify` print: with `--json`, or off a terminal (a pipe, a file), Clerk's wire JSON
 * (pretty-printed; `list` as `{ data, total_count }`); on a terminal, a table with ISO-8601 dates (`list` adds
 * `N of M clients`).
 */
const asJson = (options: Common) => options.json || process.stdout.isTTY !== true

const printClient = (options: Common, client: Client.Client) =>
  asJson(options)
    ? write(JSON.stringify(encodeClient(client), null, 2) + "\n")
    : write(table([summary(client)]))

const printPage = (options: Common, page: Client.ClientList) =>
  asJson(options)
    ? write(
      JSON.stringify({ data: page.data.map((c) => encodeClient(c)), total_count: page.totalCount }, null, 2) + "\n"
    )
    : write(table(page.data.map(summary)) + `${page.data.length} of ${page.totalCount ?? "?"} clients\n`)

// ---------------------------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------------------------

const list = Command.make("list", {
  ...common,
  limit: Options.integer("limit").pipe(Options.withDescription("1 to 500 (Clerk's default: 10)."), Options.optional),
  offset: Options.integer("offset").pipe(Options.withDescription("0 or more."), Options.optional)
}, (options) =>
  withClients(options, (clients) =>
    Effect.flatMap(
      clients.list({
        ...Option.match(options.limit, { onNone: () => ({}), onSome: (limit) => ({ limit }) }),
        ...Option.match(options.offset, { onNone: () => ({}), onSome: (offset) => ({ offset }) })
      }),
      (page) => printPage(options, page)
    ))).pipe(Command.withDescription("List clients, newest first (GET /v1/clients, deprecated by Clerk)."))

const get = Command.make(
  "get",
  {
    ...common,
    clientId: Args.text({ name: "client_id" }).pipe(Args.withDescription("The client's id, e.g. client_2abc."))
  },
  (options) =>
    withClients(
      options,
      (clients) => Effect.flatMap(clients.get(options.clientId), (client) => printClient(options, client))
    )
)
  .pipe(Command.withDescription("Get one client (GET /v1/clients/{client_id})."))

const readStdin = Effect.async<string>((resume) => {
  const chunks: Array<Buffer> = []
  process.stdin.on("data", (chunk: Buffer) => chunks.push(chunk))
  process.stdin.on("end", () => resume(Effect.succeed(Buffer.concat(chunks).toString("utf8").trim())))
  process.stdin.on("error", () => resume(Effect.succeed("")))
})

const verify = Command.make("verify", {
  ...common,
  token: Args.text({ name: "token" }).pipe(
    Args.withDescription("The client token (JWT). Omit it to read the token from standard input."),
    Args.optional
  )
}, (options) =>
  withClients(options, (clients, emulator) =>
    Effect.gen(function*() {
      const given = Option.getOrUndefined(options.token) ?? (yield* readStdin)
      // With --emulator there is no token to paste yet: "-" mints one for the newest client.
      const token = given === "-" && Option.isSome(emulator)
        ? yield* emulator.value.mintToken(emulator.value.clients[0]!.id)
        : given
      return yield* Effect.flatMap(clients.verify({ token }), (client) => printClient(options, client))
    }))).pipe(Command.withDescription("Verify a client token (POST /v1/clients/verify). The token may come on stdin."))

const stream = Command.make("stream", {
  ...common,
  pageSize: Options.integer("page-size").pipe(
    Options.withDescription("Clients per request, 1 to 500."),
    Options.withDefault(500)
  ),
  offset: Options.integer("offset").pipe(Options.withDescription("Resume from this offset."), Options.withDefault(0)),
  prefetch: Options.integer("prefetch").pipe(Options.withDescription("Pages fetched ahead."), Options.withDefault(1))
}, (options) =>
  withClients(options, (clients) =>
    Effect.gen(function*() {
      // A live line (rewritten with \r) on a terminal; under NO_COLOR no control characters: the final line only.
      const progress = process.stderr.isTTY === true
      const live = progress && !noColor
      const started = Date.now()
      let count = 0
      const report = (final: boolean) =>
        progress && (live || final)
          ? Effect.sync(() => {
            const seconds = Math.max(0.001, (Date.now() - started) / 1000)
            const pages = Math.ceil(count / options.pageSize)
            const line = `${count} clients, ${pages} pages, ${Math.round(count / seconds)} clients/s`
            process.stderr.write(live ? `\r${line}${final ? "\n" : ""}` : `${line}\n`)
          })
          : Effect.void
      yield* clients.stream({ pageSize: options.pageSize, offset: options.offset, prefetch: options.prefetch }).pipe(
        Stream.mapChunks((chunk) => Chunk.of(Chunk.toReadonlyArray(chunk))),
        Stream.runForEach((batch) =>
          Effect.zipRight(
            write(batch.map((client) => JSON.stringify(encodeClient(client)) + "\n").join("")),
            Effect.suspend(() => {
              count += batch.length
              return report(false)
            })
          )
        )
      )
      yield* report(true)
    }))).pipe(
    Command.withDescription(
      "Every client as NDJSON, page by page, on a terminal too (progress on stderr when it is a terminal)."
    )
  )

const emulator = Command.make("emulator", {
  port: bounded(Options.integer("port"), 0, 65_535).pipe(
    Options.withDescription("Port to listen on (0 = any free port)."),
    Options.withDefault(4010)
  ),
  host: Options.text("host").pipe(Options.withDefault("127.0.0.1")),
  clients: bounded(Options.integer("clients"), 0).pipe(
    Options.withDescription("How many clients to generate (default 25; not with --data)."),
    Options.optional
  ),
  seed: Options.integer("seed").pipe(Options.withDefault(1)),
  data: Options.file("data", { exists: "yes" }).pipe(
    Options.withDescription("Serve the clients in this JSON file (Clerk's wire format) instead of generated ones."),
    Options.optional
  ),
  faultRate: Options.float("fault-rate").pipe(
    Options.filterMap((rate) => (rate >= 0 && rate <= 1 ? Option.some(rate) : Option.none()), "must be from 0 to 1"),
    Options.withDescription("Fraction (0 to 1) of requests answered with a random transient fault."),
    Options.withDefault(0)
  ),
  rateLimit: Options.text("rate-limit").pipe(
    Options.withDescription(
      "Enforce Clerk's rate limit: production (1000/10s), development (100/10s) or N/<interval>, e.g. 50/1s."
    ),
    Options.optional
  ),
  secretKey: Options.redacted("secret-key").pipe(
    Options.withDescription(
      "The key requests must carry (default sk_test_effect_clerk_emulator, which the banner prints; a key given " +
        "here is never printed)."
    ),
    Options.optional
  )
}, (options) =>
  Effect.gen(function*() {
    if (Option.isSome(options.data) && Option.isSome(options.clients)) {
      return yield* Effect.fail(
        new UsageError("--clients and --data exclude each other: --data serves exactly the clients in the file")
      )
    }
    const data = Option.isSome(options.data)
      ? Emulator.clientsFromJson(readFileSync(options.data.value, "utf8"))
      : Either.right(undefined)
    if (Either.isLeft(data)) return yield* Effect.fail(new UsageError(`--data: ${data.left}`))
    const rateLimit = Option.isSome(options.rateLimit)
      ? Emulator.parseRateLimit(options.rateLimit.value)
      : Either.right(undefined)
    if (Either.isLeft(rateLimit)) return yield* Effect.fail(new UsageError(`--rate-limit: ${rateLimit.left}`))
    const secretKey = Option.map(options.secretKey, Redacted.value)
    const running = yield* Layer.build(emulatorLayer(
      {
        seedClients: Option.getOrElse(options.clients, () => 25),
        seed: options.seed,
        faultRate: options.faultRate,
        ...(rateLimit.right === undefined ? {} : { rateLimit: rateLimit.right }),
        ...(data.right === undefined ? {} : { clients: data.right }),
        ...Option.match(secretKey, { onNone: () => ({}), onSome: (key) => ({ secretKey: key }) })
      },
      options.port,
      options.host
    ))
    const service = Context.get(running, Emulator.Emulator)
    yield* write(banner(service.origin, service.size, Option.isNone(secretKey)))
    return yield* untilOrphaned
  }).pipe(Effect.scoped)).pipe(
    Command.withDescription(
      "Run the local Clerk-compatible Clients emulator. It prints its base URL without /v1 (give it to effect-clerk " +
        "or to Clerk's SDKs as CLERK_API_URL / apiUrl) and the key it accepts."
    )
  )

/**
 * What `emulator` prints: the origin (the base URL for effect-clerk and Clerk's SDKs alike, which add `/v1`
 * themselves), and the default key, which is public; a key given with --secret-key is never printed.
 */
const banner = (origin: string, size: number, defaultKey: boolean) =>
  [
    `effect-clerk emulator listening at ${origin} (${size} clients)`,
    `  CLERK_API_URL=${origin}    (effect-clerk and Clerk's SDKs add /v1 themselves)`,
    defaultKey
      ? `  CLERK_SECRET_KEY=${Emulator.defaultSecretKey}`
      : "  CLERK_SECRET_KEY: the key given with --secret-key",
    "Ctrl-C to stop.",
    ""
  ].join("\n")

/**
 * Runs until interrupted (Ctrl-C, SIGTERM), or until the process that started us is gone: `npx` does not always pass
 * SIGTERM on, and an emulator left listening on its port would be in the way of the next one.
 */
const untilOrphaned = Effect.async<never>(() => {
  const parent = process.ppid
  const timer = setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, "SIGTERM")
  }, 500)
  return Effect.sync(() => clearInterval(timer))
})

const tourCommand = Command.make("tour", {}, () =>
  Effect.scoped(Effect.gen(function*() {
    const running = Context.get(yield* Layer.build(emulatorLayer({ seedClients: 120, seed: 2026 })), Emulator.Emulator)
    const context = yield* Layer.build(
      Clients.layer({ secretKey: running.secretKey, apiUrl: running.apiUrl }).pipe(
        Layer.provide(UndiciHttpClient.layer),
        Layer.orDie
      )
    )
    return yield* tour.pipe(
      Effect.provideService(Emulator.Emulator, running),
      Effect.provideService(Clients.Clients, Context.get(context, Clients.Clients))
    )
  }))).pipe(Command.withDescription("A short tour of the library against the embedded emulator (what npm start runs)."))

const root = Command.make("effect-clerk").pipe(
  Command.withDescription(
    "Clerk Backend API Clients operations from the terminal. Needs CLERK_SECRET_KEY, or --emulator."
  ),
  Command.withSubcommands([list, get, verify, stream, emulator, tourCommand])
)

const cli = Command.run(root, { name: "effect-clerk", version })

/** ANSI styling only for a terminal, and never under `NO_COLOR`. */
const colour = process.stdout.isTTY === true && !noColor

const ansi = /\u001b\[[0-9;]*m/g
const plain = (args: ReadonlyArray<unknown>) => args.map((a) => (typeof a === "string" ? a.replace(ansi, "") : a))

/** The console, with ANSI escapes removed from what @effect/cli prints when colour is off. */
const plainConsole = (console: Console.Console): Console.Console => ({
  ...console,
  log: (...args) => console.log(...plain(args)),
  error: (...args) => console.error(...plain(args)),
  unsafe: {
    ...console.unsafe,
    log: (...args) => console.unsafe.log(...plain(args)),
    error: (...args) => console.unsafe.error(...plain(args))
  }
})

const withPlainText = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  colour ? self : Effect.consoleWith((console) => Effect.withConsole(self, plainConsole(console)))

/** @effect/cli reads `--log-level` only before the subcommand; users put it anywhere. */
const hoistLogLevel = (argv: ReadonlyArray<string>): Array<string> => {
  const [node = "node", script = "effect-clerk", ...args] = argv
  const hoisted: Array<string> = []
  const rest: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--log-level" && i + 1 < args.length) hoisted.push(arg, args[++i]!)
    else if (arg.startsWith("--log-level=")) hoisted.push(arg)
    else rest.push(arg)
  }
  return [node, script, ...hoisted, ...rest]
}

// ---------------------------------------------------------------------------------------------------------------
// Errors and exit codes
// ---------------------------------------------------------------------------------------------------------------

let exitCode: number = exitCodes.ok

const fail = (code: number, text: string) =>
  Effect.sync(() => {
    exitCode = code
    process.stderr.write(`error: ${text}\n`)
  })

const afterAttempts = (error: ClerkError.ClientsError) =>
  error.attempts !== undefined && error.attempts > 1 ? ` after ${error.attempts} attempts` : ""

const describeClerk = (error: ClerkError.ClerkErrors) =>
  [
    `${error.status} ${
      error.errors.map((e) => `${e.code}: ${e.longMessage ?? e.message}`).join("; ") || "(no details)"
    }`,
    error.clerkTraceId === undefined ? "" : ` [trace ${error.clerkTraceId}]`,
    error.retryAfter === undefined ? "" : ` (retry after ${Duration.format(error.retryAfter)})`,
    afterAttempts(error)
  ].join("")

const main = cli(hoistLogLevel(process.argv)).pipe(
  Effect.catchIf(ClerkError.isClientsError, (error) =>
    error._tag === "ClerkErrors"
      ? fail(exitCodes.clerk, describeClerk(error))
      : fail(
        error.reason === "InvalidRequest"
          ? exitCodes.usage
          : error.reason === "Transport" || error.reason === "Timeout"
          ? exitCodes.transport
          : exitCodes.response,
        `${error.reason}: ${error.description}${error.status === undefined ? "" : ` (HTTP ${error.status})`}${
          afterAttempts(error)
        }`
      )),
  Effect.catchAll((error) =>
    error instanceof UsageError
      ? fail(exitCodes.usage, error.message)
      : error instanceof StdoutClosed
      // The reader of our output is gone (`| head`): what it wanted, it has.
      ? Effect.void
      : Effect.sync(() => {
        // @effect/cli has already printed the usage problem and the help.
        exitCode = exitCodes.usage
      })
  ),
  Effect.catchAllDefect((defect) => fail(exitCodes.unexpected, Cause.pretty(Cause.die(defect)))),
  Effect.provide(NodeContext.layer),
  // Logs go to stderr, never into the output a script reads; @effect/cli's help is plain text off a terminal.
  withPlainText,
  Logger.withMinimumLogLevel(LogLevel.Error),
  // Every log line goes to stderr (whatever logger the runtime installed), so stdout carries only the output.
  Effect.locally(
    FiberRef.currentLoggers,
    HashSet.make(Logger.prettyLogger({ stderr: true, colors: colour }), Logger.tracerLogger)
  )
)

NodeRuntime.runMain(main, {
  disableErrorReporting: true,
  teardown: (exit, onExit) =>
    onExit(Exit.isFailure(exit) && !Exit.isInterrupted(exit) ? exitCodes.unexpected : exitCode)
})
