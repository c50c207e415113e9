// `node bench/coldstart-parts.mjs [--runs N]` (after `npm run build`): where the Effect 4 face's cold start goes.
// Each row is a fresh Node process (from the Effect 4 copy bench/v4.mjs prepares) that imports some modules, and for
// the last rows also makes one request to bench/server.mjs, timed from spawn to exit, median of N interleaved runs,
// with an empty process as the baseline of the same run. The last row is bench/coldstart.mjs's v4 program.
import { spawn, spawnSync } from "node:child_process"
import { performance } from "node:perf_hooks"
import { prepareV4, v4Root } from "./v4.mjs"

const runsArg = process.argv.indexOf("--runs")
const runs = runsArg === -1 ? 7 : Number(process.argv[runsArg + 1])
prepareV4()

// What bench/coldstart.mjs's programs import from Effect: the `effect` index, which loads every root module.
const effect = "await import('./node_modules/effect/dist/index.js');"
const face = "await import('./dist/v4/index.js'); await import('./dist/v4/UndiciHttpClient.js');"
const undiciRequest = `const { Agent, request } = await import('undici')
const response = await request(process.env.ORIGIN + '/v1/clients/client_1', {
  dispatcher: new Agent({ keepAliveTimeout: 30_000 }),
  headers: { authorization: 'Bearer ' + process.env.KEY, 'accept-encoding': 'gzip, br, deflate' }
})
await response.body.json()
process.exit(0)`
const firstGet = `const { Clients } = await import('./dist/v4/index.js')
const UndiciHttpClient = await import('./dist/v4/UndiciHttpClient.js')
const { Effect, Layer, Redacted } = await import('./node_modules/effect/dist/index.js')
const live = Clients.layer({ secretKey: Redacted.make(process.env.KEY), apiUrl: process.env.ORIGIN + '/v1' })
  .pipe(Layer.provide(UndiciHttpClient.layer))
await Effect.runPromise(Effect.provide(Clients.Clients.use((c) => c.get('client_1')), live))
process.exit(0)`

const rows = [
  ["node (empty)", ""],
  ["effect/Effect (Effect 4)", "await import('./node_modules/effect/dist/Effect.js')"],
  ["effect (the index the programs import)", effect],
  ["effect/http HttpClient (Effect 4)", "await import('./node_modules/effect/dist/http/HttpClient.js')"],
  ["undici", "await import('undici')"],
  ["undici + one request", undiciRequest],
  ["effect + undici + one request", effect + undiciRequest],
  ["effect-clerk/v4 (the barrel)", "await import('./dist/v4/index.js')"],
  ["effect-clerk/v4 + its UndiciHttpClient", face],
  ["effect + effect-clerk/v4 + UndiciHttpClient", effect + face],
  ["effect + effect-clerk/v4, layer + first get", firstGet]
]

const server = spawn(process.execPath, [new URL("server.mjs", import.meta.url).pathname], {
  env: { ...process.env, BENCH_TOTAL: "1000" },
  stdio: ["ignore", "pipe", "inherit"]
})
const { port } = await new Promise((resolve) => server.stdout.once("data", (chunk) => resolve(JSON.parse(chunk))))
const env = { ...process.env, KEY: "sk_test_coldstart_bench", ORIGIN: `http://127.0.0.1:${port}` }

const samples = rows.map(() => [])
try {
  for (let run = 0; run < runs; run++) {
    rows.forEach(([, code], i) => {
      const start = performance.now()
      const result = spawnSync(process.execPath, ["--preserve-symlinks", "--input-type=module", "-e", code], {
        cwd: v4Root,
        env
      })
      if (result.status !== 0) throw new Error(`${rows[i][0]} failed:\n${result.stderr}`)
      samples[i].push(performance.now() - start)
    })
  }
} finally {
  server.kill()
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const empty = median(samples[0])
console.log(`Node ${process.version}, median of ${runs} processes; over the empty process:`)
rows.forEach(([name], i) => {
  const ms = median(samples[i])
  console.log(
    `${name.padEnd(46)} ${String(Math.round(ms)).padStart(5)} ms  ${String(Math.round(ms - empty)).padStart(5)} ms`
  )
})
