// `npm run bench`: builds, starts bench/server.mjs in its own process, runs every contender in a fresh process
// (so CPU and peak RSS are its own), takes medians, and prints one table plus the ratios the targets are stated in.
// Exits non-zero only if something errors — a missed target is reported, not failed.
//
//   npm run bench                 3 runs per measurement
//   npm run bench -- --runs 1     quicker
import { spawn, spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { prepareV4 } from "./v4.mjs"

const here = fileURLToPath(new URL(".", import.meta.url))
const runsArg = process.argv.indexOf("--runs")
const runs = runsArg === -1 ? 3 : Number(process.argv[runsArg + 1])

prepareV4()

const startServer = (framing, latencyMs = 0) => {
  const server = spawn(process.execPath, [`${here}server.mjs`], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, BENCH_FRAMING: framing, BENCH_SERVER_LATENCY_MS: String(latencyMs) }
  })
  const info = new Promise((resolve, reject) => {
    server.stdout.once("data", (chunk) => resolve(JSON.parse(chunk.toString())))
    server.once("exit", (code) => reject(new Error(`bench server exited with ${code}`)))
  })
  return { server, info }
}
const framings = ["content-length", "chunked", "gzip"]
const servers = Object.fromEntries([...framings.map((f) => [f, startServer(f)]), [
  "slow",
  startServer("content-length", 10)
]])
const infos = Object.fromEntries(await Promise.all(Object.entries(servers).map(async ([k, s]) => [k, await s.info])))

const measure = (scenario, contender, server) => {
  const result = spawnSync(process.execPath, [`${here}client.mjs`, scenario, contender, infos[server].port], {
    encoding: "utf8",
    maxBuffer: 1 << 20
  })
  const line = result.stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop()
  if (result.status !== 0 || line === undefined) {
    throw new Error(`${scenario} / ${contender} on ${server} failed (exit ${result.status}):\n${result.stderr}`)
  }
  return JSON.parse(line)
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

const getContenders = [
  "raw-undici",
  "fetch",
  "@clerk/backend",
  "effect-clerk",
  "platform(undici)",
  "effect-clerk(undici)",
  "platform(fetch)",
  "effect-clerk(fetch)",
  "effect-clerk/v4",
  "effect-clerk/v4(fetch)"
]
const listContenders = [
  "raw-undici",
  "fetch",
  "@clerk/backend",
  "effect-clerk",
  "effect-clerk(undici)",
  "effect-clerk(fetch)",
  "effect-clerk/v4",
  "effect-clerk/v4(fetch)"
]
// `--only list` (or get, stream) runs one scenario; the targets that need the others are then left out.
const onlyArg = process.argv.indexOf("--only")
const only = onlyArg === -1 ? undefined : process.argv[onlyArg + 1]
const allCells = [
  ...framings.flatMap((f) => [
    ...getContenders.map((c) => ["get", c, f]),
    ...listContenders.map((c) => ["list", c, f]),
    ["stream", "raw-undici", f],
    ["stream", "effect-clerk", f]
  ]),
  ["stream", "raw-undici", "slow"],
  ["stream", "effect-clerk", "slow"]
]
const cells = only === undefined ? allCells : allCells.filter(([scenario]) => scenario === only)

const results = {}
try {
  for (const [scenario, contender, server] of cells) {
    const samples = Array.from({ length: runs }, () => measure(scenario, contender, server))
    if (scenario === "stream" && samples.some((s) => s.result !== s.ops)) {
      throw new Error(`${contender} streamed ${samples.map((s) => s.result)} clients, expected ${samples[0].ops}`)
    }
    results[`${scenario}/${server}/${contender}`] = {
      scenario,
      server,
      contender,
      perSecond: median(samples.map((s) => (scenario === "stream" ? s.pages : s.ops) / s.seconds)),
      cpuPerOp: median(samples.map((s) => s.cpuMicros / (scenario === "stream" ? s.pages : s.ops))),
      peakRssMb: median(samples.map((s) => s.peakRssMb))
    }
    process.stderr.write(".")
  }
} finally {
  for (const { server } of Object.values(servers)) server.kill()
}
process.stderr.write("\n")

const bundle = JSON.parse(spawnSync(process.execPath, [`${here}bundle.mjs`], { encoding: "utf8" }).stdout)
const emulatorRun = spawnSync(process.execPath, [`${here}emulator-memory.mjs`], { encoding: "utf8" })
if (emulatorRun.status !== 0) throw new Error(`emulator memory run failed:\n${emulatorRun.stderr}`)
const emulatorMemory = JSON.parse(emulatorRun.stdout.trim().split("\n").pop())

const rows = Object.values(results).map((r) => ({
  scenario: r.scenario === "get" ? "get c=32" : r.scenario === "list" ? "list 500" : "stream 1M",
  framing: r.server === "slow" ? "content-length +10ms" : r.server,
  contender: r.contender,
  rate: r.scenario === "get" ? `${Math.round(r.perSecond)} req/s` : `${r.perSecond.toFixed(1)} pages/s`,
  cpu: r.scenario === "get" ? `${Math.round(r.cpuPerOp)} µs/call` : `${(r.cpuPerOp / 1000).toFixed(2)} ms/page`,
  rss: `${Math.round(r.peakRssMb)} MB`
}))
const widths = Object.keys(rows[0]).map((k) => Math.max(k.length, ...rows.map((row) => row[k].length)))
const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join("  ")
console.log(`\nnode ${process.version}, ${runs} run(s) per cell, medians; client CPU from process.cpuUsage()\n`)
console.log(line(["scenario", "framing", "contender", "rate", "client CPU", "peak RSS"]))
console.log(line(widths.map((w) => "-".repeat(w))))
for (const row of rows) console.log(line(Object.values(row)))

const r = (scenario, server, contender) => results[`${scenario}/${server}/${contender}`]
const targets = framings.flatMap((f) => [
  [
    `${f}: get req/s, own transport vs @clerk/backend`,
    r("get", f, "effect-clerk")?.perSecond / r("get", f, "@clerk/backend")?.perSecond,
    ">= 2.0",
    (x) => x >= 2
  ],
  [
    `${f}: get CPU/call, own transport vs @clerk/backend`,
    r("get", f, "effect-clerk")?.cpuPerOp / r("get", f, "@clerk/backend")?.cpuPerOp,
    "<= 0.5",
    (x) => x <= 0.5
  ],
  [
    `${f}: get CPU/call, own transport vs raw undici (stretch)`,
    r("get", f, "effect-clerk")?.cpuPerOp / r("get", f, "raw-undici")?.cpuPerOp,
    "<= 1.5",
    (x) => x <= 1.5
  ],
  [
    `${f}: list 500 CPU/page (validated) vs @clerk/backend`,
    r("list", f, "effect-clerk")?.cpuPerOp / r("list", f, "@clerk/backend")?.cpuPerOp,
    "<= 1.0",
    (x) => x <= 1
  ],
  [
    `${f}: stream 1M peak RSS vs raw undici loop`,
    r("stream", f, "effect-clerk")?.peakRssMb / r("stream", f, "raw-undici")?.peakRssMb,
    "<= 1.5",
    (x) => x <= 1.5
  ],
  [
    `${f}: get req/s, NodeHttpClient.layerUndici vs @clerk/backend`,
    r("get", f, "effect-clerk(undici)")?.perSecond / r("get", f, "@clerk/backend")?.perSecond,
    ">= 1.0",
    (x) => x >= 1
  ],
  [
    `${f}: get req/s, FetchHttpClient vs @clerk/backend`,
    r("get", f, "effect-clerk(fetch)")?.perSecond / r("get", f, "@clerk/backend")?.perSecond,
    ">= 1.0",
    (x) => x >= 1
  ],
  [
    `${f}: get CPU/call, Effect 4 face vs Effect 3 face, own transport`,
    r("get", f, "effect-clerk/v4")?.cpuPerOp / r("get", f, "effect-clerk")?.cpuPerOp,
    "<= 1.05",
    (x) => x <= 1.05
  ],
  [
    `${f}: list 500 CPU/page, Effect 4 face vs Effect 3 face, own transport`,
    r("list", f, "effect-clerk/v4")?.cpuPerOp / r("list", f, "effect-clerk")?.cpuPerOp,
    "<= 1.05",
    (x) => x <= 1.05
  ]
]).concat([
  [
    "gzip: wire bytes per list page vs identity",
    infos.gzip.pageBytes.gzip / infos.gzip.pageBytes.identity,
    "<= 0.10",
    (x) => x <= 0.1
  ],
  [
    "stream 1M pages/s vs sequential raw loop, 10 ms server",
    r("stream", "slow", "effect-clerk")?.perSecond / r("stream", "slow", "raw-undici")?.perSecond,
    ">= 1.5",
    (x) => x >= 1.5
  ]
])
console.log(
  `\nwire bytes per 500-client list page: ${infos.gzip.pageBytes.identity} B as JSON, ${infos.gzip.pageBytes.gzip} B gzipped`
)
console.log(
  `bundle (esbuild min, a program calling get through the package index): whole ${bundle.whole.minified} B / ${bundle.whole.gzip} B gzip; effect-clerk's own share ${bundle.marginal.minified} B / ${bundle.marginal.gzip} B gzip\n`
)
console.log(
  `emulator: ${emulatorMemory.clients} clients seeded, ${emulatorMemory.requests} requests at ${
    Math.round(emulatorMemory.requestsPerSecond)
  } req/s; ` +
    `RSS after seeding ${Math.round(emulatorMemory.rssAfterSeedMb)} MB, at 25/50/75 % of the load ${
      emulatorMemory.rssAtQuartersMb.join(" / ")
    } MB, ` +
    `peak ${Math.round(emulatorMemory.rssPeakMb)} MB, after ${Math.round(emulatorMemory.rssAfterLoadMb)} MB\n`
)
console.log(`${"target".padEnd(80)}  ${"measured".padEnd(9)}  ${"wanted".padEnd(8)}  met`)
for (const [name, value, wanted, ok] of targets.filter(([, value]) => Number.isFinite(value))) {
  console.log(`${name.padEnd(80)}  ${value.toFixed(2).padEnd(9)}  ${wanted.padEnd(8)}  ${ok(value) ? "yes" : "NO"}`)
}
