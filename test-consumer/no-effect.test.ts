/**
 * The README's Promise example, exactly as the README shows it, in projects a Promise user makes: one that installs
 * only effect-clerk (npm picks the `effect` peer itself, and leaves out the optional `@effect/platform`), one with
 * Effect 4 of its own, one with no Effect installed at all, and one with Effect 3 and `@effect/platform` of its own.
 * `effect-clerk/Promise` is bundled with its own Effect 3: in each project it must run, load nothing of Effect from
 * node_modules, and send through its own bundled undici transport on Node (not fall back to fetch).
 */
import { type ChildProcess, execFile, spawnSync } from "node:child_process"
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bundleWorker, devDependency, emulatorKey, type Project, repo, startEmulator } from "./project.js"

/** The first TypeScript block under the README's Promise heading, character for character. */
const readmeExample = (): string => {
  const readme = readFileSync(join(repo, "README.md"), "utf8")
  const section = readme.slice(readme.indexOf("\n## Ten lines without Effect"))
  const block = /\n```ts\n([\s\S]*?)\n```\n/.exec(section)
  if (block === null) throw new Error("the README has no Promise example")
  return `${block[1]}\n`
}

/** Records every module URL the program resolves, so a test can see what was loaded from where. */
const trace = `import { register } from "node:module"
register("data:text/javascript," + encodeURIComponent(\`
import { appendFileSync } from "node:fs"
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context)
  appendFileSync(process.env.MODULE_TRACE, resolved.url + "\\\\n")
  return resolved
}\`))
`

/** A Worker on `effect-clerk/Promise`: a list, a get, and a typed 404 (workerd has no process.env: `env: {}`). */
const worker = `import * as ClerkClients from "effect-clerk/Promise"
export default {
  async fetch(_request, env) {
    const clerk = ClerkClients.make({ secretKey: env.SECRET_KEY, apiUrl: env.API_URL, env: {}, deprecationWarning: false })
    try {
      const page = await clerk.clients.list({ limit: 3 })
      const got = await clerk.clients.get(page.data[0].id)
      const missing = await clerk.clients.get("client_missing").then(
        () => "resolved",
        (e) => (e instanceof ClerkClients.ClerkErrors ? \`\${e._tag} \${e.status}\` : String(e))
      )
      return Response.json({ listed: page.data.length, got: got.id === page.data[0].id, missing })
    } finally {
      await clerk.close()
    }
  }
}
`
const miniflare = "4.20260730.0"

const tsx = join(repo, "node_modules", ".bin", "tsx")
const tsc = join(repo, "node_modules", "typescript", "bin", "tsc")

/**
 * Uses of the Promise API's types that must be errors: were any of them `any` (a declaration that failed to
 * resolve), its `@ts-expect-error` would be unused, and that is an error too.
 */
const typed = `import * as ClerkClients from "effect-clerk/Promise"
const clerk = ClerkClients.make({ timeout: 5_000, retry: { maxRetries: 2, initialInterval: "1 second" } })
// @ts-expect-error a client id is a string
await clerk.clients.get(42)
// @ts-expect-error a Client's id is a string
export const id: number = (await clerk.clients.get("client_x")).id
// @ts-expect-error not a duration
ClerkClients.make({ timeout: "soon" })
// @ts-expect-error retry settings, not a number
ClerkClients.make({ retry: 3 })
export const status = (e: unknown) => e instanceof ClerkClients.ClerkErrors ? e.status + (e.retryAfterMillis ?? 0) : undefined
export const reason = (e: unknown) => ClerkClients.isClientsError(e) && e._tag === "SDKError" ? e.reason : undefined
await clerk.close()
`

/**
 * A user's tsconfig for each resolution, strict and without skipLibCheck, with no `@types/node` (the example needs
 * only the DOM's `AbortSignal`). The Bundler one also has `esnext.disposable`, so both forms of `ClerkClients`
 * (with `[Symbol.asyncDispose]`, and without where the lib lacks the symbol) are checked.
 */
const userTsconfig = (moduleResolution: "NodeNext" | "Bundler") => ({
  compilerOptions: {
    target: "ES2022",
    lib: moduleResolution === "NodeNext" ? ["ES2022", "DOM"] : ["ES2022", "DOM", "ESNext.Disposable"],
    module: moduleResolution === "NodeNext" ? "NodeNext" : "ESNext",
    moduleResolution,
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
    noEmit: true,
    types: []
  },
  files: ["example.mts", "typed.mts"]
})
const effect4 = devDependency("effect4").replace(/^npm:effect@/, "")

let tarball = ""
let packDir = ""
// Asynchronous, so that the test worker keeps answering vitest while npm packs and installs.
const exec = promisify(execFile)
beforeAll(async () => {
  packDir = mkdtempSync(join(tmpdir(), "effect-clerk-pack-"))
  const { stdout } = await exec("npm", ["pack", "--silent", "--pack-destination", packDir], { cwd: repo })
  tarball = join(packDir, stdout.trim().split("\n").pop()!)
}, 240_000)
afterAll(() => rmSync(packDir, { recursive: true, force: true }))

/** A project made as a user makes one: `npm init -y`, then `npm i` of the given packages and the tarball. */
const useUserProject = (install: (tarball: string) => ReadonlyArray<string>) => {
  let state: { project: Project; apiUrl: string; emulator: ChildProcess } | undefined
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "effect-clerk-promise-"))
    await exec("npm", ["init", "-y"], { cwd: dir })
    await exec("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...install(tarball)], { cwd: dir })
    writeFileSync(join(dir, "example.mts"), readmeExample())
    writeFileSync(join(dir, "typed.mts"), typed)
    writeFileSync(join(dir, "trace.mjs"), trace)
    const project: Project = {
      dir,
      bin: join(dir, "node_modules", ".bin", "effect-clerk"),
      remove: () => rmSync(dir, { recursive: true, force: true })
    }
    const started = await startEmulator(project)
    state = { project, apiUrl: started.apiUrl, emulator: started.process }
  }, 240_000)
  afterAll(() => {
    state?.emulator.kill("SIGTERM")
    state?.project.remove()
  })
  const current = () => {
    if (state === undefined) throw new Error("the project was not made")
    return state
  }
  const installed = (name: string): string | undefined => {
    const manifest = join(current().project.dir, "node_modules", name, "package.json")
    return existsSync(manifest) ? JSON.parse(readFileSync(manifest, "utf8")).version : undefined
  }
  /** Runs a file of the project with tsx (as the README runs it), with the key and URL in the environment. */
  const run = (file: string) => {
    const { apiUrl, project } = current()
    const traceFile = join(project.dir, "modules.txt")
    rmSync(traceFile, { force: true })
    const result = spawnSync(tsx, ["--import", "./trace.mjs", file], {
      cwd: project.dir,
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, CLERK_SECRET_KEY: emulatorKey, CLERK_API_URL: apiUrl, MODULE_TRACE: traceFile }
    })
    const modules = readFileSync(traceFile, "utf8").split("\n").filter((url) => url !== "")
    return { ...result, modules }
  }
  /** Strict tsc without skipLibCheck over the README's example and the typed uses, as the user's project has it. */
  const typecheck = async (moduleResolution: "NodeNext" | "Bundler") => {
    const { dir } = current().project
    writeFileSync(join(dir, `tsconfig.${moduleResolution}.json`), JSON.stringify(userTsconfig(moduleResolution)))
    return exec(process.execPath, [tsc, "-p", `tsconfig.${moduleResolution}.json`], { cwd: dir }).then(
      ({ stdout }) => ({ code: 0, output: stdout }),
      (error: { readonly code?: number; readonly stdout?: string }) => ({
        code: error.code ?? 1,
        output: error.stdout ?? ""
      })
    )
  }
  return { current, installed, run, typecheck }
}

/** The README's Promise example and the typed uses compile in this project under both resolutions. */
const itTypechecks = (project: ReturnType<typeof useUserProject>) => {
  for (const resolution of ["NodeNext", "Bundler"] as const) {
    it(`type-checks the README's Promise example strictly, without skipLibCheck (${resolution})`, async () => {
      expect(await project.typecheck(resolution)).toEqual({ code: 0, output: "" })
    }, 120_000)
  }
}

/** What the README says the example prints against the emulator (25 clients), and what it must load. */
const expectReadmeRun = (result: ReturnType<ReturnType<typeof useUserProject>["run"]>) => {
  expect(result.status, result.stderr).toBe(0)
  const lines = result.stdout.trim().split("\n")
  expect(lines[0]).toBe("25 clients")
  expect(lines.slice(1, 4)).toHaveLength(3)
  for (const line of lines.slice(1, 4)) expect(line).toMatch(/^client_\w+ \d+ sessions$/)
  expect(lines.slice(4)).toEqual(["25 clients streamed"])
  expect(result.stderr).toContain("token refused: 400 token_invalid")
  const fromPackage = result.modules.filter((url) => url.includes("/node_modules/"))
  // The bundle and its transport, and undici; nothing of Effect or @effect/platform from node_modules.
  expect(fromPackage.some((url) => url.endsWith("/node_modules/effect-clerk/dist/promise/Promise.js"))).toBe(true)
  expect(fromPackage.some((url) => url.endsWith("/node_modules/effect-clerk/dist/promise/UndiciHttpClient.js")))
    .toBe(true)
  expect(fromPackage.some((url) => url.includes("/node_modules/undici/"))).toBe(true)
  expect(fromPackage.filter((url) => /\/node_modules\/(effect|@effect\/[^/]+)\//.test(url))).toEqual([])
  expect(fromPackage.filter((url) => /\/effect-clerk\/dist\/(?!promise\/)/.test(url))).toEqual([])
}

describe("a project that installs only effect-clerk (npm picks the effect peer)", () => {
  const project = useUserProject((tarball) => [tarball])

  it("gets an effect that satisfies the peer range, and no @effect/platform", () => {
    // npm 11 weighs the optional @effect/platform peer's own peer (effect ^3) and so picks Effect 3 here; another
    // client may pick Effect 4. The example must run either way (the next suites pin each).
    expect(project.installed("effect")).toMatch(/^(3\.(2[2-9]|[3-9]\d)\.|4\.)/)
    expect(project.installed("@effect/platform")).toBeUndefined()
  })

  it("runs the README's Promise example as written", () => {
    expectReadmeRun(project.run("example.mts"))
  })

  itTypechecks(project)

  it("the root (Effect 3) entry, without @effect/platform, fails at import naming the package to install", () => {
    // ESM resolves every import before any module runs, so this is Node's message, as the README's Install says.
    writeFileSync(
      join(project.current().project.dir, "root.mts"),
      `import { Clients } from "effect-clerk"\nconsole.log(Clients.defaultApiUrl)\n`
    )
    const result = project.run("root.mts")
    expect(result.status).not.toBe(0)
    expect(result.stdout).toBe("")
    expect(result.stderr).toMatch(
      /Cannot find (package|module) '@effect\/platform[^']*' imported from \S*effect-clerk\/dist\//
    )
  })
})

describe("a project with Effect 4 of its own", () => {
  const project = useUserProject((tarball) => [`effect@${effect4}`, tarball])

  it("keeps its Effect 4, and gets no @effect/platform", () => {
    expect(project.installed("effect")).toBe(effect4)
    expect(project.installed("@effect/platform")).toBeUndefined()
  })

  it("runs the README's Promise example as written", () => {
    expectReadmeRun(project.run("example.mts"))
  })

  itTypechecks(project)
})

describe("a project with no Effect installed at all (peers not installed)", () => {
  const project = useUserProject((tarball) => ["--legacy-peer-deps", `miniflare@${miniflare}`, tarball])

  it("has no effect and no @effect/platform", () => {
    expect(project.installed("effect")).toBeUndefined()
    expect(project.installed("@effect/platform")).toBeUndefined()
  })

  it("runs the README's Promise example as written", () => {
    expectReadmeRun(project.run("example.mts"))
  })

  itTypechecks(project)

  it("runs on workerd (miniflare, bundled as wrangler does, without nodejs_compat), on fetch", async () => {
    const { apiUrl, project: { dir } } = project.current()
    copyFileSync(join(repo, "test-consumer", "runtimes", "miniflare.mjs"), join(dir, "miniflare.mjs"))
    writeFileSync(join(dir, "worker.mjs"), worker)
    await bundleWorker(dir, "worker.mjs")
    // The transport's module is not in the Worker: Promise.ts names it with a non-literal specifier.
    expect(readFileSync(join(dir, "worker.bundle.mjs"), "utf8")).not.toContain("node:zlib")
    const result = spawnSync(process.execPath, ["miniflare.mjs", apiUrl, emulatorKey], {
      cwd: dir,
      encoding: "utf8",
      timeout: 60_000
    })
    expect(result.status, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout.trim().split("\n").pop() ?? "")).toEqual({
      listed: 3,
      got: true,
      missing: "ClerkErrors 404"
    })
  }, 60_000)
})

describe("a project with Effect 3 and @effect/platform of its own", () => {
  const project = useUserProject((tarball) => [
    `effect@${devDependency("effect")}`,
    `@effect/platform@${devDependency("@effect/platform")}`,
    tarball
  ])

  it("runs the README's Promise example as written", () => {
    expect(project.installed("effect")).toBe(devDependency("effect"))
    expectReadmeRun(project.run("example.mts"))
  })

  itTypechecks(project)

  it("the bundle's errors are its own classes, and the root's ClerkError.isClientsError knows them", () => {
    writeFileSync(
      join(project.current().project.dir, "errors.mts"),
      `import * as ClerkClients from "effect-clerk/Promise"
import { ClerkClients as Unbundled, ClerkError } from "effect-clerk"
const check = async (clerk: ClerkClients.ClerkClients, Errors: typeof ClerkClients.ClerkErrors) => {
  try {
    await clerk.clients.get("client_missing")
    return "resolved"
  } catch (e) {
    return { own: e instanceof Errors, root: e instanceof ClerkError.ClerkErrors, guard: ClerkError.isClientsError(e), status: ClerkError.isClientsError(e) && e._tag === "ClerkErrors" ? e.status : undefined }
  } finally {
    await clerk.close()
  }
}
console.log(JSON.stringify({
  bundled: await check(ClerkClients.make(), ClerkClients.ClerkErrors),
  unbundled: await check(Unbundled.make(), Unbundled.ClerkErrors)
}))
`
    )
    const result = project.run("errors.mts")
    expect(result.status, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout.trim())).toEqual({
      bundled: { own: true, root: false, guard: true, status: 404 },
      unbundled: { own: true, root: true, guard: true, status: 404 }
    })
  })
})
