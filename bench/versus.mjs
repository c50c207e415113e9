// `npm run bench:versus -- REV`: effect-clerk at this checkout against effect-clerk at git revision REV, in one run.
// Builds REV's src/ into .bench-out/REV/dist (with this checkout's node_modules), starts bench/server.mjs once per
// framing, and measures each effect-clerk contender on get (c=32) and list 500 in fresh processes, alternating the
// two builds run by run so that drift on a shared machine hits both alike. Prints client CPU per call for each build
// and the ratio this/REV, per framing.
//
//   npm run bench:versus -- b67608b               5 runs per cell
//   npm run bench:versus -- b67608b --runs 3
import { execFileSync, spawn, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, rmSync, symlinkSync } from "node:fs"
import { fileURLToPath } from "node:url"

const here = fileURLToPath(new URL(".", import.meta.url))
const root = fileURLToPath(new URL("..", import.meta.url))
const rev = process.argv[2]
if (rev === undefined || rev.startsWith("--")) {
  console.error("usage: npm run bench:versus -- <git revision> [--runs N]")
  process.exit(2)
}
const runsArg = process.argv.indexOf("--runs")
const runs = runsArg === -1 ? 5 : Number(process.argv[runsArg + 1])

const base = `${root}.bench-out/${rev}`
rmSync(base, { recursive: true, force: true })
mkdirSync(base, { recursive: true })
execFileSync("sh", ["-c", `git archive ${rev} src tsconfig.json tsconfig.build.json | tar -x -C ${base}`], {
  cwd: root
})
if (!existsSync(`${base}/node_modules`)) symlinkSync(`${root}node_modules`, `${base}/node_modules`)
execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, "-p", `${base}/tsconfig.build.json`], {
  stdio: "inherit"
})

const startServer = (framing) => {
  const server = spawn(process.execPath, [`${here}server.mjs`], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, BENCH_FRAMING: framing, BENCH_SERVER_LATENCY_MS: "0" }
  })
  const info = new Promise((resolve, reject) => {
    server.stdout.once("data", (chunk) => resolve(JSON.parse(chunk.toString())))
    server.once("exit", (code) => reject(new Error(`bench server exited with ${code}`)))
  })
  return { server, info }
}

const framings = ["content-length", "chunked", "gzip"]
const servers = Object.fromEntries(framings.map((f) => [f, startServer(f)]))
const ports = Object.fromEntries(await Promise.all(framings.map(async (f) => [f, (await servers[f].info).port])))

const measure = (scenario, contender, framing, dist) => {
  const { BENCH_DIST: _ignored, ...inherited } = process.env
  const env = dist === undefined ? inherited : { ...inherited, BENCH_DIST: dist }
  const result = spawnSync(process.execPath, [`${here}client.mjs`, scenario, contender, String(ports[framing])], {
    encoding: "utf8",
    env,
    maxBuffer: 1 << 20
  })
  const line = result.stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop()
  if (result.status !== 0 || line === undefined) {
    throw new Error(`${scenario} / ${contender} on ${framing} failed (exit ${result.status}):\n${result.stderr}`)
  }
  const sample = JSON.parse(line)
  return sample.cpuMicros / sample.ops
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const cells = [
  ["get", "effect-clerk"],
  ["get", "effect-clerk(undici)"],
  ["get", "effect-clerk(fetch)"],
  ["list", "effect-clerk"],
  ["list", "effect-clerk(undici)"],
  ["list", "effect-clerk(fetch)"]
]
const rows = []
try {
  for (const framing of framings) {
    for (const [scenario, contender] of cells) {
      const now = []
      const then = []
      for (let i = 0; i < runs; i++) {
        now.push(measure(scenario, contender, framing, undefined))
        then.push(measure(scenario, contender, framing, `${base}/dist`))
        process.stderr.write(".")
      }
      const ratios = now.map((n, i) => n / then[i])
      rows.push({ framing, scenario, contender, now: median(now), then: median(then), ratio: median(ratios) })
    }
  }
} finally {
  for (const { server } of Object.values(servers)) server.kill()
}
process.stderr.write("\n")
const unit = (
  scenario,
  micros
) => (scenario === "get" ? `${micros.toFixed(0)} µs/call` : `${(micros / 1000).toFixed(2)} ms/page`)
console.log(
  `\nnode ${process.version}, ${runs} alternating runs per cell, medians; client CPU from process.cpuUsage()\n`
)
console.log(
  ["framing".padEnd(15), "scenario".padEnd(9), "contender".padEnd(21), "this".padEnd(13), rev.padEnd(13), "this/" + rev]
    .join("  ")
)
for (const r of rows) {
  console.log(
    [
      r.framing.padEnd(15),
      (r.scenario === "get" ? "get c=32" : "list 500").padEnd(9),
      r.contender.padEnd(21),
      unit(r.scenario, r.now).padEnd(13),
      unit(r.scenario, r.then).padEnd(13),
      r.ratio.toFixed(2)
    ].join("  ")
  )
}
