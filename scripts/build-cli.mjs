// Bundles the `effect-clerk` command into one self-contained file, dist/bin/cli.js: its packages (@effect/cli,
// @effect/platform-node, the printers, and a copy of effect) are inside it, so `npx effect-clerk` works in a project
// that installed only effect-clerk and its required peers, whatever version of effect that project uses. The
// library's own modules (dist/*.js) import none of these.
import { build } from "esbuild"
import { chmodSync, rmSync } from "node:fs"

const outfile = "dist/bin/cli.js"
rmSync("dist/bin", { recursive: true, force: true })
await build({
  entryPoints: ["src/bin/cli.ts"],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: true,
  legalComments: "none",
  // Some bundled packages are CommonJS and call require() for Node's own modules.
  banner: { js: "import { createRequire as __cr } from \"node:module\"; const require = __cr(import.meta.url);" },
  logLevel: "warning"
})
chmodSync(outfile, 0o755)
