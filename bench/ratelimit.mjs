// `npm run bench:ratelimit`: the rate-limit scenarios on the live clock. The emulator (in this process, on a
// loopback port) enforces 50 requests per second the way Clerk does (fixed windows, 429 with Retry-After); 1,000
// `get`s go through `UndiciHttpClient` with the Clients defaults (standard retries, adaptive pacing), at concurrency
// 50 and 500, and with pacing off (the gate alone). Prints wall time against the minimum, requests rejected, and
// peak RSS. Then: four processes sharing one key, through Redis (a private redis-server on a free loopback port) and
// each alone; a total outage under open-loop load; and the first burst against Clerk's development limit.
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Either, Layer, Redacted } from "effect"
import { execFileSync, spawn } from "node:child_process"
import { createServer } from "node:http"
import { createServer as createNetServer } from "node:net"
import { Clients, Emulator } from "../dist/index.js"
import * as UndiciHttpClient from "../dist/UndiciHttpClient.js"

const calls = 1000
const limit = 50
const minimumSeconds = calls / limit - 1

const scenario = (name, concurrency, rateLimit) =>
  Effect.scoped(Effect.gen(function*() {
    const emulator = Context.get(
      yield* Layer.build(
        Emulator.layer({ seedClients: 200, rateLimit: { limit, window: "1 second" } }).pipe(
          Layer.provide(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
        )
      ),
      Emulator.Emulator
    )
    const clients = Context.get(
      yield* Layer.build(
        Clients.layer({
          secretKey: emulator.secretKey,
          apiUrl: emulator.apiUrl,
          ...(rateLimit === undefined ? {} : { rateLimit })
        }).pipe(Layer.provide(UndiciHttpClient.layer))
      ),
      Clients.Clients
    )
    const ids = Array.from({ length: calls }, (_, i) => emulator.clients[i % 200].id)
    let peak = process.memoryUsage.rss()
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50)
    const started = performance.now()
    const results = yield* Effect.forEach(ids, (id) => Effect.either(clients.get(id)), { concurrency })
    const seconds = (performance.now() - started) / 1000
    clearInterval(sampler)
    const stats = yield* emulator.stats
    return {
      scenario: name,
      succeeded: results.filter((r) => r._tag === "Right").length,
      seconds: Number(seconds.toFixed(2)),
      vsMinimum: Number((seconds / minimumSeconds).toFixed(2)),
      requests: stats.total,
      rejected: stats.rateLimited,
      rejectedShare: `${((100 * stats.rateLimited) / stats.total).toFixed(1)} %`,
      peakRssMb: Math.round(peak / 2 ** 20)
    }
  }))

const emulatorLayer = (options) =>
  Layer.build(
    Emulator.layer(options).pipe(Layer.provide(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })))
  ).pipe(Effect.map((context) => Context.get(context, Emulator.Emulator)))

const clientsLayer = (emulator, options = {}) =>
  Layer.build(
    Clients.layer({ secretKey: emulator.secretKey, apiUrl: emulator.apiUrl, ...options }).pipe(
      Layer.provide(UndiciHttpClient.layer)
    )
  ).pipe(Effect.map((context) => Context.get(context, Clients.Clients)))

const freePort = () =>
  new Promise((resolve) => {
    const server = createNetServer()
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })

/** A private redis-server (persistence off), or undefined when none is installed. */
const startRedis = async () => {
  let path
  try {
    path = execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim()
  } catch {
    return undefined
  }
  const port = await freePort()
  const child = spawn(path, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
  await new Promise((resolve) => {
    let out = ""
    child.stdout.on("data", (chunk) => {
      out += chunk
      if (out.includes("Ready to accept connections")) resolve()
    })
  })
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill("SIGTERM") }
}

const runWorker = (config) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [new URL("./ratelimit-worker.mjs", import.meta.url).pathname], {
      env: { ...process.env, BENCH_WORKER: JSON.stringify(config) },
      stdio: ["ignore", "pipe", "inherit"]
    })
    let out = ""
    child.stdout.on("data", (chunk) => (out += chunk))
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop())) : reject(code)))
  })

/**
 * Four processes, 1,000 calls in all, with `rateLimit` (a fixed 50/s each, or "adaptive": never told the limit): shared
 * through Redis, or each alone.
 */
const fleet = (name, redisUrl, rateLimit = { limit, interval: "1 second" }) =>
  Effect.scoped(Effect.gen(function*() {
    const emulator = yield* emulatorLayer({
      seedClients: 200,
      secretKey: `sk_live_bench_fleet_${rateLimit === "adaptive" ? "adaptive" : "fixed"}_${redisUrl === undefined}`,
      rateLimit: { limit, window: "1 second" }
    })
    const ids = emulator.clients.map((client) => client.id)
    const startAt = Date.now() + 4000
    const results = yield* Effect.promise(() =>
      Promise.all(Array.from({ length: 4 }, (_, w) =>
        runWorker({
          apiUrl: emulator.apiUrl,
          secretKey: Redacted.value(emulator.secretKey),
          ids: Array.from({ length: calls / 4 }, (_, i) => ids[(w + i * 4) % ids.length]),
          rateLimit,
          startAt,
          ...(redisUrl === undefined ? {} : { redisUrl })
        })))
    )
    // From the first worker's start (a worker on a loaded machine may start after `startAt`) to the last one's end.
    const seconds = (Math.max(...results.map((r) => r.endedAt)) - Math.min(...results.map((r) => r.startedAt))) / 1000
    const stats = yield* emulator.stats
    return {
      scenario: name,
      succeeded: results.reduce((n, r) => n + r.succeeded, 0),
      seconds: Number(seconds.toFixed(2)),
      vsMinimum: Number((seconds / minimumSeconds).toFixed(2)),
      requests: stats.total,
      rejected: stats.rateLimited,
      rejectedShare: `${((100 * stats.rateLimited) / stats.total).toFixed(1)} %`
    }
  }))

/**
 * A total outage under open-loop load: 100 calls/s for 12 s, every request answered 503 without Retry-After for the
 * first 8 s. Requests per call in the outage's second half (steady state), and how long after recovery until a call
 * succeeds. A production key (its documented 1,000 per 10 s is the load's own rate), default options.
 */
const outage = (name, options) =>
  Effect.scoped(Effect.gen(function*() {
    const emulator = yield* emulatorLayer({ seedClients: 200, secretKey: "sk_live_bench_outage" })
    const clients = yield* clientsLayer(emulator, options)
    yield* emulator.injectFaults({ status: 503, times: 1_000_000 })
    const start = Date.now()
    let at4 = 0
    let at8 = 0
    let recoveredAt = 0
    const marks = Effect.promise(async () => {
      await new Promise((r) => setTimeout(r, 4000))
      at4 = (await Effect.runPromise(emulator.stats)).total
      await new Promise((r) => setTimeout(r, 4000))
      at8 = (await Effect.runPromise(emulator.stats)).total
      await Effect.runPromise(emulator.clearFaults)
      recoveredAt = Date.now()
    })
    const calls = Effect.forEach(Array.from({ length: 1200 }, (_, i) => i), (i) =>
      Effect.gen(function*() {
        yield* Effect.sleep(Math.max(0, start + i * 10 - Date.now()))
        const startedAt = Date.now()
        const result = yield* Effect.either(clients.get(emulator.clients[i % 200].id))
        return { startedAt, endedAt: Date.now(), ok: Either.isRight(result) }
      }), { concurrency: "unbounded" })
    const [outcomes] = yield* Effect.all([calls, marks], { concurrency: 2 })
    const secondHalf = outcomes.filter((o) => o.startedAt >= start + 4000 && o.startedAt < start + 8000).length
    const firstOk = Math.min(...outcomes.filter((o) => o.ok && o.endedAt >= recoveredAt).map((o) => o.endedAt))
    return {
      scenario: name,
      requestsPerCall: Number(((at8 - at4) / secondHalf).toFixed(2)),
      recoverySeconds: Number(((firstOk - recoveredAt) / 1000).toFixed(2)),
      okAfter2s: `${outcomes.filter((o) => o.startedAt >= recoveredAt + 2000 && o.ok).length}/${
        outcomes.filter((o) => o.startedAt >= recoveredAt + 2000).length
      }`
    }
  }))

/** One process, 1,000 gets at concurrency 50 against Clerk's development limit (100 per 10 s), default options. */
const firstBurst = (name, options) =>
  Effect.scoped(Effect.gen(function*() {
    const emulator = yield* emulatorLayer({ seedClients: 200, rateLimit: "development" })
    const clients = yield* clientsLayer(emulator, options)
    const started = performance.now()
    const results = yield* Effect.forEach(
      Array.from({ length: calls }, (_, i) => emulator.clients[i % 200].id),
      (id) => Effect.either(clients.get(id)),
      { concurrency: 50 }
    )
    const stats = yield* emulator.stats
    return {
      scenario: name,
      succeeded: results.filter((r) => r._tag === "Right").length,
      seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
      requests: stats.total,
      rejected: stats.rateLimited,
      rejectedShare: `${((100 * stats.rateLimited) / stats.total).toFixed(1)} %`
    }
  }))

const only = process.argv.slice(2)
const wanted = (part) => only.length === 0 || only.includes(part)

const rows = []
if (wanted("single")) {
  for (
    const [name, concurrency, rateLimit] of [
      ["defaults, c=50", 50, undefined],
      ["defaults, c=500", 500, undefined],
      ["rateLimit: false (gate only), c=50", 50, false]
    ]
  ) {
    rows.push(await Effect.runPromise(scenario(name, concurrency, rateLimit)))
    process.stderr.write(".")
  }
  process.stderr.write("\n")
  console.log(`\n${calls} gets against ${limit} requests/s (minimum ${minimumSeconds} s), node ${process.version}\n`)
  console.table(rows)
}

if (wanted("fleet")) {
  const redis = await startRedis()
  const fleetRows = []
  if (redis === undefined) {
    console.log("\nfleet rows skipped: redis-server is not installed (apt-get install -y redis-server)")
  } else {
    try {
      fleetRows.push(await Effect.runPromise(fleet("4 processes, shared through Redis", redis.url)))
      fleetRows.push(await Effect.runPromise(fleet("4 processes, each alone (no Redis)", undefined)))
      fleetRows.push(
        await Effect.runPromise(fleet("adaptive: 4 processes, shared through Redis", redis.url, "adaptive"))
      )
      fleetRows.push(
        await Effect.runPromise(fleet("adaptive: 4 processes, each alone (no Redis)", undefined, "adaptive"))
      )
    } finally {
      redis.stop()
    }
    console.log(
      `\n4 processes × 250 gets (concurrency 25 each), rateLimit 50/s each (or "adaptive", never told the limit), ` +
        `against ${limit} requests/s for the key ` +
        `(minimum ${minimumSeconds} s)\n`
    )
    console.table(fleetRows)
  }
}

if (wanted("outage")) {
  const outageRows = [
    await Effect.runPromise(outage("defaults (load shedding on)", {})),
    await Effect.runPromise(
      outage("loadShedding: false, rateLimit: \"adaptive\" (as before)", { loadShedding: false, rateLimit: "adaptive" })
    )
  ]
  console.log("\ntotal outage (503, no Retry-After) for 8 s under 100 calls/s, then healthy for 4 s\n")
  console.table(outageRows)
}

if (wanted("burst")) {
  const burstRows = [
    await Effect.runPromise(firstBurst("defaults (the key's documented limit)", {})),
    await Effect.runPromise(firstBurst("rateLimit: \"adaptive\" (learned)", { rateLimit: "adaptive" }))
  ]
  console.log("\nfirst burst: 1,000 gets at c=50, development key, against Clerk's development limit (100 per 10 s)\n")
  console.table(burstRows)
}
