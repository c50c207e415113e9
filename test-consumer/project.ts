/**
 * A fresh consumer project: the packed tarball installed next to only effect-clerk's required peers (plus whatever a
 * suite adds), and the CLI's own emulator started from it.
 */
import { build } from "esbuild"
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

export const repo = fileURLToPath(new URL("..", import.meta.url))

/** The exact version this repository develops against, so the consumer installs what CI tested. */
export const devDependency = (name: string): string => {
  const manifest: { devDependencies: Record<string, string> } = JSON.parse(
    readFileSync(join(repo, "package.json"), "utf8")
  )
  const version = manifest.devDependencies[name]
  if (version === undefined) throw new Error(`${name} is not a devDependency`)
  return version
}

/** What test-v4 pins: a consumer of the Effect 4 face installs the Effect 4 CI tested. */
export const v4Pinned = (name: string): string => {
  const manifest: { devDependencies: Record<string, string> } = JSON.parse(
    readFileSync(join(repo, "test-v4", "package.json"), "utf8")
  )
  const version = manifest.devDependencies[name]
  if (version === undefined) throw new Error(`${name} is not pinned by test-v4/package.json`)
  return version
}

export interface Project {
  readonly dir: string
  readonly bin: string
  readonly remove: () => void
}

/** The peers a project gets before `extra`: Effect 3 and `@effect/platform`, as the root face needs (the default). */
export const effect3Peers = (): ReadonlyArray<string> => [
  `effect@${devDependency("effect")}`,
  `@effect/platform@${devDependency("@effect/platform")}`
]

export const makeProject = (
  extra: ReadonlyArray<string> = [],
  peers: ReadonlyArray<string> = effect3Peers()
): Project => {
  const dir = mkdtempSync(join(tmpdir(), "effect-clerk-consumer-"))
  const packed = execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: repo, encoding: "utf8" })
    .trim().split("\n").pop()!
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }))
  execFileSync("npm", [
    "install",
    "--no-audit",
    "--no-fund",
    "--prefer-offline",
    "--loglevel=error",
    join(dir, packed),
    ...peers,
    ...extra
  ], { cwd: dir, stdio: "inherit" })
  return {
    dir,
    bin: join(dir, "node_modules", ".bin", "effect-clerk"),
    remove: () => rmSync(dir, { recursive: true, force: true })
  }
}

/** `effect-clerk emulator` on a free port; resolves with its API URL. */
export const startEmulator = (
  project: Project,
  args: ReadonlyArray<string> = []
): Promise<{ apiUrl: string; process: ChildProcess }> => {
  const child = spawn(project.bin, ["emulator", "--port", "0", ...args], {
    cwd: project.dir,
    stdio: ["ignore", "pipe", "pipe"]
  })
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      const match = /listening at (\S+)/.exec(chunk.toString())
      if (match) resolve({ apiUrl: match[1]!, process: child })
    })
    child.on("exit", (code) => reject(new Error(`emulator exited with ${code}`)))
  })
}

export const emulatorKey = "sk_test_effect_clerk_emulator"

/**
 * For a suite: a project made before its tests (with `extra` packages and `setup` run in it) and the CLI's emulator
 * started from it (with `emulatorArgs`); both gone after. Read `current()` inside tests.
 */
export const useProject = (
  hooks: {
    readonly beforeAll: (f: () => Promise<void>, timeout: number) => void
    readonly afterAll: (f: () => void) => void
  },
  extra: ReadonlyArray<string>,
  emulatorArgs: ReadonlyArray<string>,
  setup: (project: Project) => void = () => {},
  peers: ReadonlyArray<string> = effect3Peers()
) => {
  let state: { project: Project; apiUrl: string; emulator: ChildProcess } | undefined
  hooks.beforeAll(async () => {
    const project = makeProject(extra, peers)
    setup(project)
    const started = await startEmulator(project, emulatorArgs)
    state = { project, apiUrl: started.apiUrl, emulator: started.process }
  }, 240_000)
  hooks.afterAll(() => {
    state?.emulator.kill("SIGTERM")
    state?.project.remove()
  })
  return () => {
    if (state === undefined) throw new Error("the consumer project was not made")
    return state
  }
}

/** Bundles the project's `entry` into worker.bundle.mjs as wrangler does for workerd (without nodejs_compat). */
export const bundleWorker = (dir: string, entry: string) =>
  build({
    absWorkingDir: dir,
    entryPoints: [entry],
    outfile: join(dir, "worker.bundle.mjs"),
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    logLevel: "error"
  })
