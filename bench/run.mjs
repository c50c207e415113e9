// `npm run bench`: builds, starts bench/server.mjs in its own process, runs every contender in a fresh process
// (so CPU and peak RSS are its own), takes medians, and prints one table plus the ratios the targets are stated in.
// Exits non-zero only if something errors — a missed target is reported, not failed.
//
//   npm run bench                 3 runs per measurement
//   npm run bench -- --runs 1     quicker
import { spawn, spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"

const here = fileURLToPath(new URL(".", import.meta.url))
const runsArg = process.argv.indexOf("--runs")
const runs = runsArg === -1 ? 3 : Number(process.argv[runsArg + 1])

const startServer = (latencyMs) => {
  const server = spawn(process.execPath, [`${here}server.mjs`], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, BENCH_SERVER_LATENCY_MS: String(latencyMs) }
  })
  const port = new Promise((resolve, reject) => {
    server.stdout.once("data", (chunk) => resolve(chunk.toString().trim()))
    server.once("exit", (code) => reject(new Error(`bench server exited with ${code}`)))
  })
  return { server, port }
}
const fast = startServer(0)
const slow = startServer(10)
const ports = { 0: await fast.port, 10: await slow.port }

// A capped heap makes V8 collect eagerly: finishing 1M clients under it shows the stream's memory is bounded.
const cappedHeap = ["--max-old-space-size=64", "--max-semi-space-size=2"]

const measure = (scenario, contender, { latency = 0, flags = [] } = {}) => {
  const result = spawnSync(process.execPath, [...flags, `${here}client.mjs`, scenario, contender, ports[latency]], {
    encoding: "utf8",
    maxBuffer: 1 << 20
  })
  const line = result.stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop()
  if (result.status !== 0 || line === undefined) {
    throw new Error(`${scenario} / ${contender} failed (exit ${result.status}):\n${result.stderr}`)
  }
  return JSON.parse(line)
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

const cells = [
  ...["raw-undici", "fetch", "@clerk/backend", "effect-clerk", "effect-clerk(undici)", "effect-clerk(fetch)"].map((c) => ["get", c, "", {}]),
  ...["raw-undici", "fetch", "@clerk/backend", "effect-clerk", "effect-clerk(undici)"].map((c) => ["list", c, "", {}]),
  ["stream", "raw-undici", "", {}],
  ["stream", "effect-clerk", "", {}],
  ["stream", "raw-undici", " heap≤64M", { flags: cappedHeap }],
  ["stream", "effect-clerk", " heap≤64M", { flags: cappedHeap }],
  ["stream", "raw-undici", " +10ms", { latency: 10 }],
  ["stream", "effect-clerk", " +10ms", { latency: 10 }]
]

const results = {}
try {
  for (const [scenario, name, variant, options] of cells) {
    {
      const contender = name
      const samples = Array.from({ length: runs }, () => measure(scenario, contender, options))
      if (scenario === "stream" && samples.some((s) => s.result !== s.ops)) {
        throw new Error(`${contender} streamed ${samples.map((s) => s.result)} clients, expected ${samples[0].ops}`)
      }
      results[`${scenario}${variant}/${contender}`] = {
        scenario,
        contender: contender + variant,
        perSecond: median(samples.map((s) => (scenario === "stream" ? s.pages : s.ops) / s.seconds)),
        cpuPerOp: median(samples.map((s) => s.cpuMicros / (scenario === "stream" ? s.pages : s.ops))),
        peakRssMb: median(samples.map((s) => s.peakRssMb))
      }
      process.stderr.write(".")
    }
  }
} finally {
  fast.server.kill()
  slow.server.kill()
}
process.stderr.write("\n")

const bundle = JSON.parse(spawnSync(process.execPath, [`${here}bundle.mjs`], { encoding: "utf8" }).stdout)
const emulatorRun = spawnSync(process.execPath, [`${here}emulator-memory.mjs`], { encoding: "utf8" })
if (emulatorRun.status !== 0) throw new Error(`emulator memory run failed:\n${emulatorRun.stderr}`)
const emulatorMemory = JSON.parse(emulatorRun.stdout.trim().split("\n").pop())

const rows = Object.values(results).map((r) => ({
  scenario: r.scenario === "get" ? "get c=32" : r.scenario === "list" ? "list 500" : "stream 1M",
  contender: r.contender,
  rate: r.scenario === "get" ? `${Math.round(r.perSecond)} req/s` : `${r.perSecond.toFixed(1)} pages/s`,
  cpu: r.scenario === "get" ? `${Math.round(r.cpuPerOp)} µs/call` : `${(r.cpuPerOp / 1000).toFixed(2)} ms/page`,
  rss: `${Math.round(r.peakRssMb)} MB`
}))
const widths = Object.keys(rows[0]).map((k) => Math.max(k.length, ...rows.map((row) => row[k].length)))
const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join("  ")
console.log(`\nnode ${process.version}, ${runs} run(s) per cell, medians; client CPU from process.cpuUsage()\n`)
console.log(line(["scenario", "contender", "rate", "client CPU", "peak RSS"]))
console.log(line(widths.map((w) => "-".repeat(w))))
for (const row of rows) console.log(line(Object.values(row)))

const r = (key) => results[key]
const ratio = (a, b) => a / b
const targets = [
  ["get: req/s vs @clerk/backend", ratio(r("get/effect-clerk").perSecond, r("get/@clerk/backend").perSecond), ">= 3.0", (x) => x >= 3],
  ["get: CPU/call vs raw undici", ratio(r("get/effect-clerk").cpuPerOp, r("get/raw-undici").cpuPerOp), "<= 1.5", (x) => x <= 1.5],
  ["list 500 (validated): CPU/page vs raw undici + JSON.parse", ratio(r("list/effect-clerk").cpuPerOp, r("list/raw-undici").cpuPerOp), "<= 1.3", (x) => x <= 1.3],
  ["list 500: CPU/page vs @clerk/backend (no validation)", ratio(r("list/effect-clerk").cpuPerOp, r("list/@clerk/backend").cpuPerOp), "<= 1.0", (x) => x <= 1],
  ["stream 1M: pages/s vs sequential raw undici loop (0 ms server)", ratio(r("stream/effect-clerk").perSecond, r("stream/raw-undici").perSecond), ">= 1.5", (x) => x >= 1.5],
  ["stream 1M: pages/s vs sequential raw undici loop (10 ms server)", ratio(r("stream +10ms/effect-clerk").perSecond, r("stream +10ms/raw-undici").perSecond), ">= 1.5", (x) => x >= 1.5],
  ["stream 1M: peak RSS (MB), default heap", r("stream/effect-clerk").peakRssMb, "<= 128", (x) => x <= 128],
  ["stream 1M: peak RSS (MB), heap capped at 64 MB", r("stream heap≤64M/effect-clerk").peakRssMb, "<= 128", (x) => x <= 128],
  ["bundle: marginal gzip bytes over effect/@effect/*", bundle.marginal.gzip, "<= 8192", (x) => x <= 8192]
]
console.log(`\nbundle (esbuild min, a program calling get through the package index): whole ${bundle.whole.minified} B / ${bundle.whole.gzip} B gzip; effect-clerk's own share ${bundle.marginal.minified} B / ${bundle.marginal.gzip} B gzip\n`)
console.log(
  `emulator: ${emulatorMemory.clients} clients seeded, ${emulatorMemory.requests} requests at ${Math.round(emulatorMemory.requestsPerSecond)} req/s; ` +
    `RSS after seeding ${Math.round(emulatorMemory.rssAfterSeedMb)} MB, at 25/50/75 % of the load ${emulatorMemory.rssAtQuartersMb.join(" / ")} MB, ` +
    `peak ${Math.round(emulatorMemory.rssPeakMb)} MB, after ${Math.round(emulatorMemory.rssAfterLoadMb)} MB\n`
)
console.log(line(["target", "measured", "wanted", "met"].map((c, i) => c.padEnd([60, 9, 8, 4][i]))))
for (const [name, value, wanted, ok] of targets) {
  console.log(`${name.padEnd(60)}  ${value.toFixed(2).padEnd(9)}  ${wanted.padEnd(8)}  ${ok(value) ? "yes" : "NO"}`)
}
