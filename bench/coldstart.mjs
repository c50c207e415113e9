// Cold start on Node: a fresh process that imports the library and makes its first `get` against bench/server.mjs,
// for effect-clerk's v3 face, its v4 face (on its own transport, and on effect/http's fetch) and @clerk/backend, each
// unbundled (compiled JS from dist/) and bundled into one file with esbuild. Each process is timed from spawn twice:
// when the first `get` has answered (it writes a marker to stdout) and when it has exited, median of --runs (default
// 10). Exiting waits for V8 to finish compiling undici's WebAssembly HTTP parser on a background thread, which a
// process that keeps running does not wait for. Ratios are against the v3 face measured in the same run.
// The floors of the same run: `node (empty)`; `Effect N + undici` is a face's program without effect-clerk (the same
// `effect` import and one request on an undici `Agent`, the least any transport on undici can cost there); `Effect N,
// its import only` is that `effect` import and nothing else.
//
// The v4 face needs Effect 4 where dist/v4 imports `effect`: its folder, outside the repo (inside, `effect-clerk` would
// resolve to the repo itself), links node_modules/effect to the `effect4` dev alias, node_modules/effect-clerk to this
// repo's manifest and dist/, and node_modules/undici to the root's, and runs with --preserve-symlinks; its bundle
// takes `effect` from there. `npm run build` first.
import { build } from "esbuild"
import { spawn } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const repo = fileURLToPath(new URL("..", import.meta.url))
const out = join(repo, ".bench-out", "coldstart")
const runsArg = process.argv.indexOf("--runs")
const runs = runsArg === -1 ? 10 : Number(process.argv[runsArg + 1])
const key = "sk_test_coldstart_bench"

const programs = {
  "effect-clerk (v3)": `
import { Effect, Layer, Redacted } from "effect"
import { Clients } from "effect-clerk"
import * as UndiciHttpClient from "effect-clerk/UndiciHttpClient"
const live = Clients.layer({ secretKey: Redacted.make(process.env.KEY), apiUrl: process.env.ORIGIN + "/v1" })
  .pipe(Layer.provide(UndiciHttpClient.layer))
const client = await Effect.runPromise(Effect.provide(Effect.flatMap(Clients.Clients, (c) => c.get("client_1")), live))
done(client)
`,
  "effect-clerk (v4)": `
import { Effect, Layer, Redacted } from "effect"
import { Clients } from "effect-clerk/v4"
import * as UndiciHttpClient from "effect-clerk/v4/UndiciHttpClient"
const live = Clients.layer({ secretKey: Redacted.make(process.env.KEY), apiUrl: process.env.ORIGIN + "/v1" })
  .pipe(Layer.provide(UndiciHttpClient.layer))
const client = await Effect.runPromise(Effect.provide(Clients.Clients.use((c) => c.get("client_1")), live))
done(client)
`,
  "effect-clerk (v4) on effect/http fetch": `
import { Effect, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { Clients } from "effect-clerk/v4"
const live = Clients.layer({ secretKey: Redacted.make(process.env.KEY), apiUrl: process.env.ORIGIN + "/v1" })
  .pipe(Layer.provide(FetchHttpClient.layer))
const client = await Effect.runPromise(Effect.provide(Clients.Clients.use((c) => c.get("client_1")), live))
done(client)
`,
  "Effect 4 + undici, no effect-clerk": `
import { Effect, Layer, Redacted } from "effect"
import { Agent, request } from "undici"
const response = await request(process.env.ORIGIN + "/v1/clients/client_1", {
  dispatcher: new Agent({ keepAliveTimeout: 30_000 }),
  headers: { authorization: "Bearer " + process.env.KEY, "accept-encoding": "gzip, br, deflate" }
})
const client = await response.body.json()
done(client)
`,
  "Effect 3 + undici, no effect-clerk": `
import { Effect, Layer, Redacted } from "effect"
import { Agent, request } from "undici"
const response = await request(process.env.ORIGIN + "/v1/clients/client_1", {
  dispatcher: new Agent({ keepAliveTimeout: 30_000 }),
  headers: { authorization: "Bearer " + process.env.KEY, "accept-encoding": "gzip, br, deflate" }
})
const client = await response.body.json()
done(client)
`,
  "Effect 4, its import only": `
import { Effect, Layer, Redacted } from "effect"
done({ id: typeof Effect.succeed + typeof Layer.succeed + typeof Redacted.make })
`,
  "Effect 3, its import only": `
import { Effect, Layer, Redacted } from "effect"
done({ id: typeof Effect.succeed + typeof Layer.succeed + typeof Redacted.make })
`,
  "@clerk/backend": `
import { createClerkClient } from "@clerk/backend"
const clerk = createClerkClient({ secretKey: process.env.KEY, apiUrl: process.env.ORIGIN })
const client = await clerk.clients.getClient("client_1")
done(client)
`
}

rmSync(out, { recursive: true, force: true })
// The programs that run on Effect 4, in the v4 face's folder.
const effect4 = new Set([
  "effect-clerk (v4)",
  "effect-clerk (v4) on effect/http fetch",
  "Effect 4 + undici, no effect-clerk",
  "Effect 4, its import only"
])
// Programs that only import: bundled, esbuild would drop what they import, so they run unbundled only.
const importOnly = new Set(["Effect 4, its import only", "Effect 3, its import only"])
// Every program ends here: the marker on stdout is the moment its first \`get\` has answered, then it exits.
const done = `
function done(client) {
  if (typeof client.id !== "string") process.exit(1)
  process.stdout.write("answered\\n", () => process.exit(0))
}
`
const outside = mkdtempSync(join(tmpdir(), "effect-clerk-coldstart-"))
const entries = []
for (const [name, code] of Object.entries(programs)) {
  const v4 = effect4.has(name)
  // v3 and @clerk/backend sit inside the repo (effect-clerk resolves to itself, the rest to the root's node_modules).
  const dir = v4 ? join(outside, "v4") : join(out, name.replace(/\W+/g, "_"))
  const first = !existsSync(join(dir, "node_modules"))
  mkdirSync(join(dir, "node_modules"), { recursive: true })
  if (v4 && first) {
    symlinkSync(join(repo, "node_modules", "effect4"), join(dir, "node_modules", "effect"))
    // The package's manifest and dist/, not the repo (whose own node_modules holds Effect 3).
    mkdirSync(join(dir, "node_modules", "effect-clerk"))
    symlinkSync(join(repo, "package.json"), join(dir, "node_modules", "effect-clerk", "package.json"))
    symlinkSync(join(repo, "dist"), join(dir, "node_modules", "effect-clerk", "dist"))
    symlinkSync(join(repo, "node_modules", "undici"), join(dir, "node_modules", "undici"))
  }
  const file = join(dir, `${name.replace(/\W+/g, "_")}.mjs`)
  writeFileSync(file, code + done)
  const flags = v4 ? ["--preserve-symlinks"] : []
  entries.push({ name: `${name} unbundled`, file, flags })
  if (importOnly.has(name)) continue
  const bundled = join(dir, `${name.replace(/\W+/g, "_")}.bundle.mjs`)
  await build({
    entryPoints: [file],
    outfile: bundled,
    bundle: true,
    minify: true,
    platform: "node",
    format: "esm",
    // dist/v4's `effect` is the folder's Effect 4, as Node finds it unbundled.
    plugins: v4
      ? [{
        name: "effect-4",
        setup(b) {
          b.onResolve(
            { filter: /^effect(\/|$)/ },
            (args) => args.resolveDir === dir ? undefined : b.resolve(args.path, { resolveDir: dir, kind: args.kind })
          )
        }
      }]
      : [],
    logLevel: "error",
    // undici and @clerk/backend's dependencies are CommonJS that require Node's modules.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" }
  })
  entries.push({ name: `${name} bundled`, file: bundled, flags: [] })
}

const server = spawn(process.execPath, [join(repo, "bench", "server.mjs")], {
  env: { ...process.env, BENCH_TOTAL: "1000" },
  stdio: ["ignore", "pipe", "inherit"]
})
const { port } = await new Promise((resolve) => server.stdout.once("data", (chunk) => resolve(JSON.parse(chunk))))
const env = { ...process.env, KEY: key, ORIGIN: `http://127.0.0.1:${port}` }

// Two times per process, from spawn: when its marker (the first \`get\`'s answer) reaches us, and when it has exited.
const time = (args) =>
  new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    const since = () => Number(process.hrtime.bigint() - start) / 1e6
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] })
    let answered
    let stderr = ""
    child.stdout.once("data", () => answered = since())
    child.stderr.on("data", (chunk) => stderr += chunk)
    child.on("error", reject)
    child.on("close", (status) => {
      const exited = since()
      if (status !== 0 || answered === undefined) reject(new Error(`${args.join(" ")} exited ${status}: ${stderr}`))
      else resolve({ answered, exited })
    })
  })
const median = (xs) => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)]

const rows = [
  { name: "node (empty)", args: ["-e", "process.stdout.write('answered\\n')"] },
  ...entries.map((e) => ({ ...e, args: [...e.flags, e.file] }))
]
const samples = new Map(rows.map((row) => [row.name, []]))
try {
  // Interleaved, so a busy moment on the machine costs every contender alike.
  for (let i = 0; i < runs; i++) for (const row of rows) samples.get(row.name).push(await time(row.args))
} finally {
  server.kill()
  rmSync(outside, { recursive: true, force: true })
}
const result = new Map(rows.map((row) => {
  const taken = samples.get(row.name)
  return [row.name, { answered: median(taken.map((t) => t.answered)), exited: median(taken.map((t) => t.exited)) }]
}))
const v3 = (name) =>
  result.get(
    name.endsWith("bundled") && !name.endsWith("unbundled")
      ? "effect-clerk (v3) bundled"
      : "effect-clerk (v3) unbundled"
  )
console.log(`cold start, Node ${process.versions.node}, median of ${runs} processes, from spawn:`)
console.log(`${"".padEnd(50)} ${"answered".padStart(8)}  ${"".padEnd(8)}  ${"exited".padStart(8)}`)
for (const row of rows) {
  const { answered, exited } = result.get(row.name)
  const base = v3(row.name)
  console.log(
    `${row.name.padEnd(50)} ${answered.toFixed(0).padStart(5)} ms  ${(answered / base.answered).toFixed(2)}× v3  ${
      exited.toFixed(0).padStart(5)
    } ms  ${(exited / base.exited).toFixed(2)}× v3`
  )
}
const ratio = (name, at) => result.get(`${name} unbundled`)[at] / result.get("effect-clerk (v3) unbundled")[at]
const both = (name) => `${ratio(name, "answered").toFixed(2)}× v3 answered, ${ratio(name, "exited").toFixed(2)}× exited`
const goal = ratio("effect-clerk (v4)", "answered")
console.log(`goal: v4 unbundled, import + first get, ≤ 0.6× v3: ${goal.toFixed(2)}× ${goal <= 0.6 ? "met" : "MISSED"}`)
console.log(`  (to exit: ${ratio("effect-clerk (v4)", "exited").toFixed(2)}×)`)
console.log(
  `the v4 program without effect-clerk (its effect import, one undici request): ${
    both("Effect 4 + undici, no effect-clerk")
  }`
)
console.log(`the v4 program's effect import alone: ${both("Effect 4, its import only")}`)
console.log(
  `v4 unbundled on effect/http's fetch (Node's built-in fetch): ${both("effect-clerk (v4) on effect/http fetch")}`
)
console.log(
  `Effect 4's bare undici program against Effect 3's: ${
    (result.get("Effect 4 + undici, no effect-clerk unbundled").answered /
      result.get("Effect 3 + undici, no effect-clerk unbundled").answered).toFixed(2)
  }× answered; Effect 4's import alone against Effect 3's: ${
    (result.get("Effect 4, its import only unbundled").answered /
      result.get("Effect 3, its import only unbundled").answered)
      .toFixed(2)
  }×`
)
