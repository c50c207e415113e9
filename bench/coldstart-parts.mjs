// `node bench/coldstart-parts.mjs [--runs N]` (after `npm run build`): where the Effect 4 face's cold start goes.
// Each row is a fresh Node process that only imports one module (from the Effect 4 copy bench/v4.mjs prepares),
// timed from spawn to exit, median of N interleaved runs, with an empty process as the baseline of the same run.
import { spawnSync } from "node:child_process"
import { performance } from "node:perf_hooks"
import { prepareV4, v4Root } from "./v4.mjs"

const runsArg = process.argv.indexOf("--runs")
const runs = runsArg === -1 ? 7 : Number(process.argv[runsArg + 1])
prepareV4()

const rows = [
  ["node (empty)", ""],
  ["effect/Effect (Effect 4)", "await import('./node_modules/effect/dist/Effect.js')"],
  ["effect/Schema (Effect 4)", "await import('./node_modules/effect/dist/Schema.js')"],
  ["effect/http HttpClient (Effect 4)", "await import('./node_modules/effect/dist/http/HttpClient.js')"],
  ["undici", "await import('undici')"],
  ["effect-clerk/v4/Clients", "await import('./dist/v4/Clients.js')"],
  ["effect-clerk/v4 (the barrel)", "await import('./dist/v4/index.js')"],
  [
    "effect-clerk/v4 + its UndiciHttpClient",
    "await import('./dist/v4/index.js'); await import('./dist/v4/UndiciHttpClient.js')"
  ]
]
const samples = rows.map(() => [])
for (let run = 0; run < runs; run++) {
  rows.forEach(([, code], i) => {
    const start = performance.now()
    const result = spawnSync(process.execPath, ["--preserve-symlinks", "--input-type=module", "-e", code], {
      cwd: v4Root
    })
    if (result.status !== 0) throw new Error(`${rows[i][0]} failed:\n${result.stderr}`)
    samples[i].push(performance.now() - start)
  })
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const empty = median(samples[0])
console.log(`import only, Node ${process.version}, median of ${runs} processes; over the empty process:`)
rows.forEach(([name], i) => {
  const ms = median(samples[i])
  console.log(
    `${name.padEnd(40)} ${String(Math.round(ms)).padStart(5)} ms  ${String(Math.round(ms - empty)).padStart(5)} ms`
  )
})
