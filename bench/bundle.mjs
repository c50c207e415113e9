// Bundle size of a program that calls `get`, and the marginal size over the same effect/@effect/platform/Schema
// modules without effect-clerk. esbuild, minified, ESM, neutral platform; gzip level 9.
import { build } from "esbuild"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { gzipSync } from "node:zlib"

const dir = mkdtempSync(join(tmpdir(), "effect-clerk-bundle-"))
const root = new URL("..", import.meta.url).pathname
const program = `
  import { Effect, Layer, Redacted } from "effect"
  import { FetchHttpClient } from "@effect/platform"
  import { Clients } from "${root}dist/index.js"
  const program = Effect.flatMap(Clients.Clients, (c) => c.get("client_x")).pipe(
    Effect.provide(Clients.layer({ secretKey: Redacted.make("k") }).pipe(Layer.provide(FetchHttpClient.layer))))
  Effect.runPromise(program).then(console.log)
`
const entry = join(dir, "get.mjs")
writeFileSync(entry, program)

const size = async (external) => {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    write: false,
    nodePaths: [join(root, "node_modules")],
    mainFields: ["module", "main"],
    logLevel: "silent",
    external
  })
  const code = result.outputFiles[0].contents
  return { minified: code.length, gzip: gzipSync(code, { level: 9 }).length }
}

// The whole program, and the same program with effect and @effect/* left out: what remains is what effect-clerk
// adds over the effect / @effect/platform / Schema modules it uses (which an Effect app already ships).
const whole = await size([])
const marginal = await size(["effect", "effect/*", "@effect/*"])
console.log(JSON.stringify({ whole, marginal }))
