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
import { NodeContext, NodeHttpClient, NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Cause, Chunk, Config, ConfigError, Console, Context, Duration, Effect, Either, Exit, Layer, Logger, LogLevel, Option, Redacted, Schedule, Schema, Stream } from "effect"
import { readFileSync } from "node:fs"
import { createServer } from "node:http"
import { ClerkError, Client, Clients, Emulator, RetryPolicy } from "../index.js"
import { version } from "../internal/version.js"
import { tour } from "./tour.js"

// ---------------------------------------------------------------------------------------------------------------
// Shared options
// ---------------------------------------------------------------------------------------------------------------

const common = {
  json: Options.boolean("json").pipe(Options.withDescription("Print JSON instead of a table.")),
  emulator: Options.boolean("emulator").pipe(
    Options.withDescription("Run against an embedded emulator on a free loopback port instead of Clerk.")
  ),
  apiUrl: Options.text("api-url").pipe(
    Options.withDescription("Clerk API base URL (default: $CLERK_API_URL, else https://api.clerk.com/v1)."),
    Options.optional
  ),
  retry: Options.choice("retry", ["standard", "speakeasy", "none"]).pipe(
    Options.withDescription("Retry policy (see README, Resilience)."),
    Options.withDefault("standard")
  ),
  maxRetries: Options.integer("max-retries").pipe(
    Options.withDescription("Override the policy's maximum number of retries."),
    Options.optional
  ),
  timeoutMs: Options.integer("timeout-ms").pipe(Options.withDescription("Per-attempt timeout in ms."), Options.optional),
  deadlineMs: Options.integer("deadline-ms").pipe(Options.withDescription("Deadline for a whole call, in ms."), Options.optional),
  rateLimit: Options.integer("rate-limit").pipe(
    Options.withDescription("At most this many requests per --rate-interval-ms (default 10000)."),
    Options.optional
  ),
  rateIntervalMs: Options.integer("rate-interval-ms").pipe(Options.withDefault(10_000))
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
    const context = yield* Layer.build(layer.pipe(Layer.provide(NodeHttpClient.layerUndici))).pipe(
      Effect.mapError((error) =>
        new UsageError(
          ConfigError.isMissingData(error)
            ? "CLERK_SECRET_KEY is not set: export it (your instance's secret key), or pass --emulator"
            : `configuration: ${String(error).replace(/^\(?Invalid data at /, "")}`
        )
      )
    )
    return yield* use(Context.get(context, Clients.Clients), emulator)
  }))

const emulatorLayer = (options: Emulator.Options, port = 0, host = "127.0.0.1") =>
  Emulator.layer(options).pipe(Layer.provide(NodeHttpServer.layer(createServer, { port, host })), Layer.orDie)

// ---------------------------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------------------------

const write = (text: string) => Effect.sync(() => void process.stdout.write(text))

const table = (rows: ReadonlyArray<Record<string, string>>): string => {
  if (rows.length === 0) return "(no clients)\n"
  const columns = Object.keys(rows[0]!)
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => (row[column] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...rows.map((row) => line(columns.map((c) => row[c] ?? "")))]
    .join("\n") + "\n"
}

const summary = (client: Client.Client): Record<string, string> => ({
  id: client.id,
  sessions: client.sessions.map((session) => `${session.status}`).join(",") || "-",
  "last active session": client.lastActiveSessionId ?? "-",
  "last strategy": client.lastAuthenticationStrategy ?? "-",
  "created at": String(client.createdAt)
})

/** JSON output is Clerk's own wire format, so it matches Clerk's docs and `emulator --data` can load it back. */
const encodeClient = Schema.encodeSync(Client.Client)

/** JSON with --json or when stdout is not a terminal; a table for people. */
const printClient = (options: Common, client: Client.Client) =>
  options.json || !process.stdout.isTTY
    ? write(JSON.stringify(encodeClient(client), null, 2) + "\n")
    : write(table([summary(client)]))

const printPage = (options: Common, page: Client.ClientList) =>
  options.json || !process.stdout.isTTY
    ? write(JSON.stringify({ data: page.data.map((c) => encodeClient(c)), total_count: page.totalCount }, null, 2) + "\n")
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

const get = Command.make("get", {
  ...common,
  clientId: Args.text({ name: "client_id" }).pipe(Args.withDescription("The client's id, e.g. client_2abc."))
}, (options) =>
  withClients(options, (clients) => Effect.flatMap(clients.get(options.clientId), (client) => printClient(options, client))))
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
  pageSize: Options.integer("page-size").pipe(Options.withDescription("Clients per request, 1 to 500."), Options.withDefault(500)),
  offset: Options.integer("offset").pipe(Options.withDescription("Resume from this offset."), Options.withDefault(0)),
  prefetch: Options.integer("prefetch").pipe(Options.withDescription("Pages fetched ahead."), Options.withDefault(1))
}, (options) =>
  withClients(options, (clients) =>
    Effect.gen(function*() {
      const progress = process.stderr.isTTY === true
      const started = Date.now()
      let count = 0
      const report = (final: boolean) =>
        progress
          ? Effect.sync(() => {
            const seconds = Math.max(0.001, (Date.now() - started) / 1000)
            const pages = Math.ceil(count / options.pageSize)
            process.stderr.write(`\r${count} clients, ${pages} pages, ${Math.round(count / seconds)} clients/s${final ? "\n" : ""}`)
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
    }))).pipe(Command.withDescription("Every client as NDJSON, page by page (progress on stderr when it is a terminal)."))

const emulator = Command.make("emulator", {
  port: Options.integer("port").pipe(Options.withDescription("Port to listen on (0 = any free port)."), Options.withDefault(4010)),
  host: Options.text("host").pipe(Options.withDefault("127.0.0.1")),
  clients: Options.integer("clients").pipe(Options.withDescription("How many clients to generate."), Options.withDefault(25)),
  seed: Options.integer("seed").pipe(Options.withDefault(1)),
  data: Options.file("data", { exists: "yes" }).pipe(
    Options.withDescription("Serve the clients in this JSON file (Clerk's wire format) instead of generated ones."),
    Options.optional
  ),
  faultRate: Options.float("fault-rate").pipe(
    Options.withDescription("Fraction (0 to 1) of requests answered with a random transient fault."),
    Options.withDefault(0)
  ),
  secretKey: Options.redacted("secret-key").pipe(
    Options.withDescription("The key requests must carry (default sk_test_effect_clerk_emulator)."),
    Options.optional
  )
}, (options) =>
  Effect.gen(function*() {
    const data = Option.isSome(options.data)
      ? Emulator.clientsFromJson(readFileSync(options.data.value, "utf8"))
      : Either.right(undefined)
    if (Either.isLeft(data)) return yield* Effect.fail(new UsageError(`--data: ${data.left}`))
    const secretKey = Option.map(options.secretKey, Redacted.value)
    const running = yield* Layer.build(emulatorLayer({
      seedClients: options.clients,
      seed: options.seed,
      faultRate: options.faultRate,
      ...(data.right === undefined ? {} : { clients: data.right }),
      ...Option.match(secretKey, { onNone: () => ({}), onSome: (key) => ({ secretKey: key }) })
    }, options.port, options.host))
    const service = Context.get(running, Emulator.Emulator)
    yield* Console.log(`effect-clerk emulator listening at ${service.apiUrl} (${service.size} clients)`)
    if (Option.isNone(secretKey)) yield* Console.log(`accepts: Authorization: Bearer ${Emulator.defaultSecretKey}`)
    yield* Console.log("Ctrl-C to stop.")
    return yield* Effect.never
  }).pipe(Effect.scoped)).pipe(Command.withDescription("Run the local Clerk-compatible Clients emulator."))

const tourCommand = Command.make("tour", {}, () =>
  Effect.scoped(Effect.gen(function*() {
    const running = Context.get(yield* Layer.build(emulatorLayer({ seedClients: 120, seed: 2026 })), Emulator.Emulator)
    const context = yield* Layer.build(
      Clients.layer({ secretKey: running.secretKey, apiUrl: running.apiUrl }).pipe(Layer.provide(NodeHttpClient.layerUndici), Layer.orDie)
    )
    return yield* tour.pipe(
      Effect.provideService(Emulator.Emulator, running),
      Effect.provideService(Clients.Clients, Context.get(context, Clients.Clients))
    )
  }))).pipe(Command.withDescription("A short tour of the library against the embedded emulator (what npm start runs)."))

const root = Command.make("effect-clerk").pipe(
  Command.withDescription("Clerk Backend API Clients operations from the terminal. Needs CLERK_SECRET_KEY, or --emulator."),
  Command.withSubcommands([list, get, verify, stream, emulator, tourCommand])
)

const cli = Command.run(root, { name: "effect-clerk", version })

// ---------------------------------------------------------------------------------------------------------------
// Errors and exit codes
// ---------------------------------------------------------------------------------------------------------------

let exitCode: number = exitCodes.ok

const fail = (code: number, text: string) =>
  Effect.sync(() => {
    exitCode = code
    process.stderr.write(`error: ${text}\n`)
  })

const describeClerk = (error: ClerkError.ClerkErrors) =>
  [
    `${error.status} ${error.errors.map((e) => `${e.code}: ${e.longMessage ?? e.message}`).join("; ") || "(no details)"}`,
    error.clerkTraceId === undefined ? "" : ` [trace ${error.clerkTraceId}]`,
    error.retryAfter === undefined ? "" : ` (retry after ${Duration.format(error.retryAfter)})`
  ].join("")

const main = cli(process.argv).pipe(
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
          error.attempts !== undefined && error.attempts > 1 ? ` after ${error.attempts} attempts` : ""
        }`
      )),
  Effect.catchAll((error) =>
    error instanceof UsageError ? fail(exitCodes.usage, error.message) : Effect.sync(() => {
      // @effect/cli has already printed the usage problem and the help.
      exitCode = exitCodes.usage
    })
  ),
  Effect.catchAllDefect((defect) => fail(exitCodes.unexpected, Cause.pretty(Cause.die(defect)))),
  Effect.provide(NodeContext.layer),
  Logger.withMinimumLogLevel(LogLevel.Error)
)

NodeRuntime.runMain(main, {
  disableErrorReporting: true,
  teardown: (exit, onExit) => onExit(Exit.isFailure(exit) && !Exit.isInterrupted(exit) ? exitCodes.unexpected : exitCode)
})
