// Bundles the Promise API (`effect-clerk/Promise`) with its own copy of Effect 3 and @effect/platform, as the CLI is
// bundled: a project that has Effect 4, or no Effect at all, runs it unchanged. Two entry points share one copy of
// that runtime through a common chunk: the Promise API and Node's transport. src/Promise.ts loads the transport with
// a non-literal `import("./UndiciHttpClient.js")` (so bundlers for workers leave it out); next to the bundled Promise
// API that path is the bundled transport, never the unbundled module that imports `effect` from node_modules.
// `undici` stays a dependency of effect-clerk, imported from node_modules.
//
// The entry is src/promise/Promise.ts: the root's Promise API under a type surface written only in the core's plain
// types. tsc has already written its declarations to dist/promise/; they stay, and the bundle replaces its JavaScript.
import { build } from "esbuild"
import { readdirSync, rmSync } from "node:fs"
import { join } from "node:path"

const outdir = "dist/promise"
for (const file of readdirSync(outdir)) {
  if (!/\.d\.ts(\.map)?$/.test(file)) rmSync(join(outdir, file))
}
const result = await build({
  entryPoints: { Promise: "src/promise/Promise.ts", UndiciHttpClient: "src/UndiciHttpClient.ts" },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  // Neutral, not node: the same files run on Bun, Deno, workers and browsers (Node's modules load only on Node).
  platform: "neutral",
  mainFields: ["module", "main"],
  target: "es2022",
  external: ["undici", "node:*"],
  // Whitespace is kept: minifying it would drop the `@vite-ignore` comment of the transport's import().
  minifySyntax: true,
  minifyIdentifiers: true,
  keepNames: true,
  legalComments: "none",
  metafile: true,
  logLevel: "warning"
})
// Nothing of Effect may be left for node_modules to provide.
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  for (const { path, external } of output.imports) {
    if (external && !/^(undici|node:)/.test(path) && path !== "./UndiciHttpClient.js") {
      throw new Error(`${file} imports ${path} from outside the bundle`)
    }
  }
}
