// One contender on one scenario, in its own process: prints { ops, seconds, cpuMicros, peakRssMb, ... } as JSON.
// Usage: node bench/client.mjs <scenario> <contender> <port>
// Each contender imports only what it uses, so peak RSS is its own.

const [scenario, contender, port] = process.argv.slice(2)
// BENCH_DIST points effect-clerk's contenders at another build (bench/versus.mjs: an older commit's).
const dist = process.env.BENCH_DIST === undefined ? "../dist/" : `${new URL(`file://${process.env.BENCH_DIST}/`).href}`
const origin = `http://127.0.0.1:${port}`
const secret = "sk_test_bench"
const headers = { authorization: `Bearer ${secret}`, accept: "application/json", "clerk-api-version": "2026-05-12" }
const settings = {
  get: { concurrency: 32, warmup: 2_000, ops: Number(process.env.BENCH_GET_OPS ?? 20_000) },
  list: { concurrency: 1, warmup: 30, ops: Number(process.env.BENCH_LIST_OPS ?? 200) },
  stream: { total: Number(process.env.BENCH_TOTAL ?? 1_000_000), prefetch: Number(process.env.BENCH_PREFETCH ?? 2) }
}

let peakRss = process.memoryUsage.rss()
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 20)

/** Runs `op` `count` times with `concurrency` loops. */
const pool = async (count, concurrency, op) => {
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      next++
      await op()
    }
  }))
}

// The benchmark server has no rate limit; without `rateLimit: false` a development key would be paced at the 100
// requests per 10 s that Clerk documents for it, and the benchmark would measure the pacer.
const effectClerk = async (transport) => {
  const [Effect, Layer, ManagedRuntime, Redacted, Stream] = await Promise.all(
    ["Effect", "Layer", "ManagedRuntime", "Redacted", "Stream"].map((m) => import(`effect/${m}`))
  )
  const { Clients } = await import(`${dist}index.js`)
  const layer = await transport()
  const runtime = ManagedRuntime.make(
    Clients.layer({
      secretKey: Redacted.make(secret),
      apiUrl: `${origin}/v1`,
      rateLimit: false,
      // BENCH_TIMEOUT=Infinity: no attempt time limit, to measure what enforcing one costs (an ablation).
      ...(process.env.BENCH_TIMEOUT === undefined ? {} : { timeout: Number(process.env.BENCH_TIMEOUT) })
    }).pipe(
      Layer.provide(layer)
    )
  )
  const withClients = (f) => runtime.runPromise(Effect.flatMap(Clients.Clients, f))
  return {
    get: (count, concurrency) =>
      withClients((c) =>
        Effect.forEach(Array.from({ length: count }, (_, i) => i), () => c.get("client_bench"), {
          concurrency,
          discard: true
        })
      ),
    list: (count) =>
      withClients((c) =>
        Effect.forEach(Array.from({ length: count }, (_, i) => i), () => c.list({ limit: 500 }), { discard: true })
      ),
    stream: () => withClients((c) => Stream.runCount(c.stream({ pageSize: 500, prefetch: settings.stream.prefetch })))
  }
}

// The Effect 4 face, from the same build: bench/v4.mjs copies dist/ under .bench-out/v4, whose node_modules holds
// Effect 4 (the `effect4` dev alias) and the root's undici, so its `effect` imports resolve to Effect 4.
const effectClerkV4 = async (transport) => {
  const { v4Root } = await import("./v4.mjs")
  const [Effect, Layer, ManagedRuntime, Redacted] = await Promise.all(
    ["Effect", "Layer", "ManagedRuntime", "Redacted"].map((m) => import(`${v4Root}node_modules/effect/dist/${m}.js`))
  )
  const { Clients } = await import(`${v4Root}dist/v4/index.js`)
  const layer = await transport(v4Root)
  const runtime = ManagedRuntime.make(
    Clients.layer({ secretKey: Redacted.make(secret), apiUrl: `${origin}/v1`, rateLimit: false }).pipe(
      Layer.provide(layer)
    )
  )
  const withClients = (f) => runtime.runPromise(Clients.Clients.use(f))
  const times = (count) => Array.from({ length: count }, (_, i) => i)
  return {
    get: (count, concurrency) =>
      withClients((c) => Effect.forEach(times(count), () => c.get("client_bench"), { concurrency, discard: true })),
    list: (count) => withClients((c) => Effect.forEach(times(count), () => c.list({ limit: 500 }), { discard: true }))
  }
}

const rawUndici = async () => {
  const { request } = await import("undici")
  return {
    get: (count, concurrency) =>
      pool(count, concurrency, async () => {
        const res = await request(`${origin}/v1/clients/client_bench`, { headers })
        JSON.parse(await res.body.text())
      }),
    list: (count) =>
      pool(count, 1, async () => {
        const res = await request(`${origin}/v1/clients?paginated=true&limit=500`, { headers })
        JSON.parse(await res.body.text())
      }),
    stream: async () => {
      let offset = 0
      let seen = 0
      for (;;) {
        const res = await request(`${origin}/v1/clients?paginated=true&limit=500&offset=${offset}`, { headers })
        const page = JSON.parse(await res.body.text())
        seen += page.data.length
        offset += page.data.length
        if (page.data.length < 500) return seen
      }
    }
  }
}

const fetchBaseline = () => ({
  get: (count, concurrency) =>
    pool(count, concurrency, async () => {
      const res = await fetch(`${origin}/v1/clients/client_bench`, { headers })
      await res.json()
    }),
  list: (count) =>
    pool(count, 1, async () => {
      const res = await fetch(`${origin}/v1/clients?paginated=true&limit=500`, { headers })
      await res.json()
    })
})

const clerkBackend = async () => {
  const { createClerkClient } = await import("@clerk/backend")
  const clerk = createClerkClient({ secretKey: secret, apiUrl: origin })
  return {
    get: (count, concurrency) => pool(count, concurrency, () => clerk.clients.getClient("client_bench")),
    list: (count) => pool(count, 1, () => clerk.clients.getClientList({ limit: 500 }))
  }
}

// The platform's client alone (request, body as text, JSON.parse, no validation): what effect-clerk adds on a stock
// transport is the difference to "effect-clerk(undici)" / "effect-clerk(fetch)".
const platformAlone = async (transport) => {
  const [Effect, ManagedRuntime] = await Promise.all(["Effect", "ManagedRuntime"].map((m) => import(`effect/${m}`)))
  const { HttpClient } = await import("@effect/platform")
  const runtime = ManagedRuntime.make(await transport())
  const one = (client, path) =>
    Effect.flatMap(client.get(`${origin}${path}`, { headers }), (response) => Effect.map(response.text, JSON.parse))
  const run = (count, concurrency, path) =>
    runtime.runPromise(
      Effect.flatMap(HttpClient.HttpClient, (client) =>
        Effect.forEach(Array.from({ length: count }), () =>
          Effect.scoped(one(client, path)), { concurrency, discard: true }))
    )
  return {
    get: (count, concurrency) => run(count, concurrency, "/v1/clients/client_bench"),
    list: (count) => run(count, 1, "/v1/clients?paginated=true&limit=500")
  }
}

const contenders = {
  "raw-undici": rawUndici,
  fetch: fetchBaseline,
  "@clerk/backend": clerkBackend,
  "effect-clerk": () => effectClerk(async () => (await import(`${dist}UndiciHttpClient.js`)).layer),
  "effect-clerk(undici)": () =>
    effectClerk(async () => (await import("@effect/platform-node/NodeHttpClient")).layerUndici),
  "effect-clerk(fetch)": () => effectClerk(async () => (await import("@effect/platform/FetchHttpClient")).layer),
  "effect-clerk/v4": () =>
    effectClerkV4(async (v4Root) => (await import(`${v4Root}dist/v4/UndiciHttpClient.js`)).layer),
  "effect-clerk/v4(fetch)": () =>
    effectClerkV4(async (v4Root) => (await import(`${v4Root}node_modules/effect/dist/http/FetchHttpClient.js`)).layer),
  "platform(undici)": () =>
    platformAlone(async () => (await import("@effect/platform-node/NodeHttpClient")).layerUndici),
  "platform(fetch)": () => platformAlone(async () => (await import("@effect/platform/FetchHttpClient")).layer)
}

const impl = await contenders[contender]()
const measure = async (run, ops) => {
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const result = await run()
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  return { ops, seconds, cpuMicros: cpu.user + cpu.system, result }
}

let out
if (scenario === "stream") {
  const m = await measure(() => impl.stream(), settings.stream.total)
  out = { ...m, pages: Math.ceil(settings.stream.total / 500) }
} else {
  const s = settings[scenario]
  await impl[scenario](s.warmup, s.concurrency)
  out = await measure(() => impl[scenario](s.ops, s.concurrency), s.ops)
}
clearInterval(sampler)
peakRss = Math.max(peakRss, process.memoryUsage.rss(), process.resourceUsage().maxRSS * 1024)
console.log(
  JSON.stringify({
    scenario,
    contender,
    ...out,
    result: typeof out.result === "number" ? out.result : undefined,
    peakRssMb: peakRss / 2 ** 20
  })
)
process.exit(0)
