/**
 * The runtimes the README names, each running the same program (test-consumer/runtimes/program.mjs) from a consumer
 * project against the CLI's emulator: Node, Bun, Deno, and workerd (through miniflare, with the Worker bundled as
 * wrangler would, without nodejs_compat). Once on the root face, in a project with Effect 3 and @effect/platform, and
 * once on `effect-clerk/v4`, in a project with Effect 4 only.
 */
import { spawnSync } from "node:child_process"
import { copyFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bundleWorker, effect3Peers, emulatorKey, repo, useProject, v4Pinned } from "./project.js"

const runtimes = { bun: "1.4.4", deno: "2.9.6", miniflare: "4.20260730.0" }

const faces = [
  { name: "the root face (Effect 3)", arg: [], worker: "worker.mjs", peers: effect3Peers() },
  { name: "effect-clerk/v4 (Effect 4)", arg: ["v4"], worker: "worker-v4.mjs", peers: [`effect@${v4Pinned("effect")}`] }
] as const

const expected = {
  listed: 3,
  got: true,
  verified: true,
  missing: "ClerkErrors 404",
  retried: true,
  timedOut: "Timeout"
}

for (const face of faces) {
  const current = useProject(
    { beforeAll, afterAll },
    Object.entries(runtimes).map(([name, version]) => `${name}@${version}`),
    ["--clients", "12"],
    (project) => {
      for (const file of ["program.mjs", "run.mjs", "worker.mjs", "worker-v4.mjs", "miniflare.mjs"]) {
        copyFileSync(join(repo, "test-consumer", "runtimes", file), join(project.dir, file))
      }
    },
    face.peers
  )

  const runIn = (command: string, args: ReadonlyArray<string>) => {
    const result = spawnSync(command, args, { cwd: current().project.dir, encoding: "utf8", timeout: 60_000 })
    if (result.status !== 0) throw new Error(`${command} exited with ${result.status}:\n${result.stderr}`)
    const last = result.stdout.trim().split("\n").pop() ?? ""
    try {
      return JSON.parse(last)
    } catch {
      throw new Error(`${command} printed no result:\n${result.stdout}\n${result.stderr}`)
    }
  }

  const bin = (name: string) => join(current().project.dir, "node_modules", ".bin", name)

  describe(`one program on every runtime the README names, on ${face.name}`, () => {
    it("Node", () => {
      expect(runIn(process.execPath, ["run.mjs", current().apiUrl, emulatorKey, ...face.arg])).toEqual(expected)
    })

    it("Bun (its undici is a stub: the Promise API picks fetch)", () => {
      expect(runIn(bin("bun"), ["run.mjs", current().apiUrl, emulatorKey, ...face.arg])).toEqual(expected)
    })

    it("Deno", () => {
      expect(
        runIn(bin("deno"), [
          "run",
          "--allow-net",
          "--allow-env",
          "--allow-read",
          "run.mjs",
          current().apiUrl,
          emulatorKey,
          ...face.arg
        ])
      )
        .toEqual(expected)
    })

    it("workerd (miniflare), without nodejs_compat", async () => {
      await bundleWorker(current().project.dir, face.worker)
      expect(runIn(process.execPath, ["miniflare.mjs", current().apiUrl, emulatorKey])).toEqual(expected)
    }, 60_000)
  })
}
