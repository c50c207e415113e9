// Compiles every `@example` (and module-level ```ts block) in the doc comments of src/, as Effect's docgen does:
// each block becomes a module under .examples/ that imports the package by name, and one strict `tsc` run checks
// them all. Exits non-zero, naming the file and line of each broken example. Then it checks the README's TypeScript
// blocks the same way, and runs the runnable ones (scripts/check-readme.ts).
import { spawnSync } from "node:child_process"
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"

const out = ".examples"
rmSync(out, { recursive: true, force: true })
mkdirSync(out)
const sources = ["src", "src/promise"].flatMap((dir) =>
  readdirSync(dir).filter((f) => f.endsWith(".ts")).map((f) => join(dir, f))
)
const origins = new Map()
let count = 0
for (const file of sources) {
  const lines = readFileSync(file, "utf8").split("\n")
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*\*\s*```ts\s*$/.test(lines[i])) continue
    const body = []
    let j = i + 1
    for (; j < lines.length && !/^\s*\*\s*```\s*$/.test(lines[j]); j++) body.push(lines[j].replace(/^\s*\* ?/, ""))
    const name = `${file.replace(/[/.]/g, "_")}_${i + 1}.ts`
    writeFileSync(join(out, name), `${body.join("\n")}\nexport {}\n`)
    origins.set(name, `${file}:${i + 1}`)
    count++
    i = j
  }
}
writeFileSync(
  join(out, "tsconfig.json"),
  JSON.stringify({
    extends: "../tsconfig.json",
    compilerOptions: { noUnusedLocals: false, noEmit: true, module: "NodeNext", target: "ES2022" },
    include: ["./*.ts"]
  })
)
const result = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", join(out, "tsconfig.json")], {
  encoding: "utf8"
})
const report = result.stdout.replace(
  /\.examples\/(\S+?\.ts)\((\d+),(\d+)\)/g,
  (_, name, line) => `${origins.get(name)} (example line ${line})`
)
if (result.status !== 0) {
  console.error(report)
  console.error(`${count} examples, some do not compile`)
} else {
  rmSync(out, { recursive: true, force: true })
  console.log(`${count} examples compile`)
}

// Then the README's blocks: compiled, and the runnable ones run against the emulator (scripts/check-readme.ts).
const readme = spawnSync(process.execPath, ["node_modules/tsx/dist/cli.mjs", "scripts/check-readme.ts"], {
  stdio: "inherit"
})
process.exit(result.status !== 0 ? 1 : readme.status ?? 1)
