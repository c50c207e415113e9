// Where the benchmarks run the Effect 4 face: a copy of dist/ under .bench-out/v4, next to a node_modules that
// links Effect 4 (this checkout's `effect4` dev alias) as `effect`, and the root's undici. Node resolves a module's
// imports from its own folder, so dist/v4 there imports Effect 4, while the root's dist/ keeps Effect 3.
// `prepareV4()` (bench/run.mjs, after the build) makes it; bench/client.mjs imports from `v4Root`.
import { cpSync, mkdirSync, rmSync, symlinkSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
export const v4Root = `${root}.bench-out/v4/`

export const prepareV4 = () => {
  rmSync(v4Root, { recursive: true, force: true })
  mkdirSync(`${v4Root}node_modules`, { recursive: true })
  cpSync(`${root}dist`, `${v4Root}dist`, { recursive: true })
  symlinkSync(`${root}node_modules/effect4`, `${v4Root}node_modules/effect`)
  symlinkSync(`${root}node_modules/undici`, `${v4Root}node_modules/undici`)
}
