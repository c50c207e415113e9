/**
 * The real `effect-clerk` binary, run as a child process against the emulator: exit codes, output shape, and never
 * the secret key.
 */
import { createClerkClient } from "@clerk/backend"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { createServer, type Server } from "node:net"
import { fileURLToPath } from "node:url"
import { start } from "./support/EmulatorFixture.js"

/** Recognisable, so a leak anywhere in the output is found by a plain substring search. */
const fakeKey = "sk_test_LEAKCHECK_0f1e2d3c4b5a69788796a5b4c3d2e1f0"
// The bundled command, as it ships (`npm test` bundles it from src/ first).
const cli = fileURLToPath(new URL("../dist/bin/cli.js", import.meta.url))

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const run = (args: ReadonlyArray<string>, env: Record<string, string | undefined> = {}, stdin?: string) =>
  Effect.async<Run>((resume) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: { ...process.env, CLERK_SECRET_KEY: undefined, CLERK_API_URL: undefined, ...env },
      stdio: ["pipe", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    child.stdin.end(stdin ?? "")
  })

const noLeak = (result: Run) => {
  expect(result.stdout).not.toContain(fakeKey)
  expect(result.stderr).not.toContain(fakeKey)
  expect(result.stdout + result.stderr).not.toContain("LEAKCHECK")
}

describe.concurrent("effect-clerk CLI", () => {
  it.scoped("list --json prints Clerk's wire format with the total count", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ secretKey: fakeKey, seedClients: 30 })
      const env = { CLERK_SECRET_KEY: fakeKey, CLERK_API_URL: emulator.apiUrl }
      const result = yield* run(["list", "--limit", "5", "--offset", "2", "--json"], env)
      expect(result.code).toBe(0)
      const body = JSON.parse(result.stdout)
      expect(body.total_count).toBe(30)
      expect(body.data.map((c: { id: string }) => c.id)).toEqual(emulator.clients.slice(2, 7).map((c) => c.id))
      expect(body.data[0]).toHaveProperty("session_ids")
      noLeak(result)
    }))

  it.scoped("get prints the client; an unknown id exits 3 with Clerk's code and trace id", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ secretKey: fakeKey, seedClients: 3 })
      const env = { CLERK_SECRET_KEY: fakeKey, CLERK_API_URL: emulator.apiUrl }
      const ok = yield* run(["get", emulator.clients[1]!.id, "--json"], env)
      expect(ok.code).toBe(0)
      expect(JSON.parse(ok.stdout).id).toBe(emulator.clients[1]!.id)
      const missing = yield* run(["get", "client_nope"], env)
      expect(missing.code).toBe(3)
      expect(missing.stderr).toMatch(/error: 404 resource_not_found: .* \[trace trace_emulator_/)
      expect(missing.stdout).toBe("")
      noLeak(ok)
      noLeak(missing)
    }))

  it.scoped("verify reads the token from stdin", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ secretKey: fakeKey, seedClients: 3 })
      const token = yield* emulator.mintToken(emulator.clients[2]!.id)
      const env = { CLERK_SECRET_KEY: fakeKey, CLERK_API_URL: emulator.apiUrl }
      const result = yield* run(["verify", "--json"], env, `${token}\n`)
      expect(result.code).toBe(0)
      expect(JSON.parse(result.stdout).id).toBe(emulator.clients[2]!.id)
      const tampered = yield* run(["verify", token.slice(0, -3) + "xyz"], env)
      expect(tampered.code).toBe(3)
      expect(tampered.stderr).toContain("token_invalid")
      noLeak(result)
    }))

  it.scoped("stream prints every client as NDJSON", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ secretKey: fakeKey, seedClients: 23 })
      const env = { CLERK_SECRET_KEY: fakeKey, CLERK_API_URL: emulator.apiUrl }
      const result = yield* run(["stream", "--page-size", "5"], env)
      expect(result.code).toBe(0)
      const lines = result.stdout.trim().split("\n").map((line) => JSON.parse(line).id)
      expect(lines).toEqual(emulator.clients.map((c) => c.id))
      expect(result.stderr).toBe("") // no progress line when stderr is not a terminal
      noLeak(result)
    }))

  it.scoped("a 401 from a wrong key exits 3 and prints neither key", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ seedClients: 1 })
      const result = yield* run(["list"], { CLERK_SECRET_KEY: fakeKey, CLERK_API_URL: emulator.apiUrl })
      expect(result.code).toBe(3)
      expect(result.stderr).toContain("401 authentication_invalid")
      noLeak(result)
    }))

  it.effect("usage errors exit 2: a missing key, bad input, an unknown flag, a non-https URL", () =>
    Effect.gen(function*() {
      const noKey = yield* run(["list"])
      expect([noKey.code, noKey.stderr]).toEqual([2, expect.stringContaining("CLERK_SECRET_KEY is not set")])
      const badLimit = yield* run(["list", "--limit", "0"], {
        CLERK_SECRET_KEY: fakeKey,
        CLERK_API_URL: "http://127.0.0.1:9/v1"
      })
      expect([badLimit.code, badLimit.stderr]).toEqual([
        2,
        expect.stringContaining("limit must be an integer from 1 to 500")
      ])
      const unknown = yield* run(["list", "--bogus"], { CLERK_SECRET_KEY: fakeKey })
      expect(unknown.code).toBe(2)
      const plain = yield* run(["list"], { CLERK_SECRET_KEY: fakeKey, CLERK_API_URL: "http://api.example.com/v1" })
      expect([plain.code, plain.stderr]).toEqual([2, expect.stringContaining("must use https")])
      for (const result of [noKey, badLimit, unknown, plain]) noLeak(result)
    }))

  it.scoped("--api-url http://127.attacker.example exits 2 naming the problem, with no lookup and no connection", () =>
    Effect.gen(function*() {
      // A TCP server on loopback that counts connections, and a preload that resolves *.attacker.example to it: a
      // CLI that let the look-alike through would connect there (the https control below shows it would).
      const connections: Array<string> = []
      const server = yield* Effect.acquireRelease(
        Effect.async<Server>((resume) => {
          const listening = createServer((socket) => {
            connections.push(String(socket.remotePort))
            socket.destroy()
          })
          listening.listen(0, "127.0.0.1", () => resume(Effect.succeed(listening)))
        }),
        (listening) =>
          Effect.async<void>((resume) => {
            listening.close(() => resume(Effect.void))
          })
      )
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      const env = {
        CLERK_SECRET_KEY: fakeKey,
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import=data:text/javascript,${
          encodeURIComponent(resolveAttackerToLoopback)
        }`
      }
      const refused = yield* run(
        ["list", "--max-retries", "0", "--api-url", `http://127.attacker.example:${port}`],
        env
      )
      expect([refused.code, refused.stdout, connections]).toEqual([2, "", []])
      expect(refused.stderr.trim()).toBe(
        "error: configuration: apiUrl: the API URL must use https (plain http is allowed only for localhost and " +
          `loopback IP addresses), got http://127.attacker.example:${port}`
      )
      // The control: https to the same name is allowed, and the preload takes it to the server.
      const control = yield* run(
        ["list", "--max-retries", "0", "--api-url", `https://127.attacker.example:${port}`],
        env
      )
      expect(control.code).toBe(4)
      expect(control.stderr).toContain("resolved 127.attacker.example to 127.0.0.1")
      expect(connections.length).toBeGreaterThan(0)
      // As the issue wrote it, with no preload and no port: refused at once, with no DNS or transport error.
      const plain = yield* run(["list", "--api-url", "http://127.attacker.example"], { CLERK_SECRET_KEY: fakeKey })
      expect([plain.code, plain.stdout]).toEqual([2, ""])
      expect(plain.stderr.trim()).toMatch(
        /^error: configuration: apiUrl: the API URL must use https \(.*\), got http:\/\/127\.attacker\.example$/
      )
      expect(plain.stderr).not.toMatch(/ENOTFOUND|EAI_AGAIN|getaddrinfo|Transport/)
      for (const result of [refused, control, plain]) noLeak(result)
    }))

  it.effect("a refused connection exits 4 and says how many attempts were made", () =>
    Effect.gen(function*() {
      const result = yield* run(["get", "client_x", "--max-retries", "1"], {
        CLERK_SECRET_KEY: fakeKey,
        CLERK_API_URL: "http://127.0.0.1:9/v1"
      })
      expect(result.code).toBe(4)
      expect(result.stderr).toContain("Transport")
      expect(result.stderr).toContain("after 2 attempts")
      noLeak(result)
    }))

  it.effect("--emulator runs against the embedded emulator; --help works on every command", () =>
    Effect.gen(function*() {
      const listed = yield* run(["list", "--emulator", "--limit", "3", "--json"])
      expect(listed.code).toBe(0)
      expect(JSON.parse(listed.stdout).data).toHaveLength(3)
      const help = yield* run(["get", "--help"])
      expect(help.code).toBe(0)
      expect(help.stdout).toContain("client_id")
      expect(help.stdout).toContain("--retry")
    }))

  it.effect("emulator serves on the port it is given until stopped; tour prints the tour and exits 0", () =>
    Effect.gen(function*() {
      const child = spawn(process.execPath, [cli, "emulator", "--port", "0", "--clients", "7"], {
        stdio: ["ignore", "pipe", "pipe"]
      })
      const banner = yield* Effect.async<string>((resume) => {
        let out = ""
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString()
          if (out.includes("Ctrl-C to stop.\n")) resume(Effect.succeed(out))
        })
      })
      // The banner's base has no /v1: it works as it is for effect-clerk and for Clerk's SDKs, with the key it prints.
      const base = banner.match(/listening at (http:\/\/127\.0\.0\.1:\d+) \(7 clients\)\n/)![1]!
      expect(banner).toContain(`CLERK_API_URL=${base} `)
      expect(banner).toContain("CLERK_SECRET_KEY=sk_test_effect_clerk_emulator\n")
      const clerk = createClerkClient({ secretKey: "sk_test_effect_clerk_emulator", apiUrl: base })
      const official = yield* Effect.promise(() => clerk.clients.getClientList({ limit: 2 }))
      expect([official.totalCount, official.data.length]).toEqual([7, 2])
      const ours = yield* run(["list", "--limit", "3", "--json"], {
        CLERK_SECRET_KEY: "sk_test_effect_clerk_emulator",
        CLERK_API_URL: base
      })
      expect([ours.code, JSON.parse(ours.stdout).total_count]).toEqual([0, 7])
      child.kill("SIGINT")
      const code = yield* Effect.async<number | null>((resume) => {
        child.on("close", (c) => resume(Effect.succeed(c)))
      })
      expect(code).not.toBe(null)

      const tour = yield* run(["tour"])
      expect(tour.code).toBe(0)
      expect(tour.stdout).toContain("verify a minted client token")
      expect(tour.stdout).toMatch(/got client_\w+ after 3 requests/)
      expect(tour.stdout).toContain("Done.")
    }))

  it.effect(
    "bad numbers are usage errors before anything runs: timeouts, retries, ports, counts, fault rates",
    () =>
      Effect.gen(function*() {
        const env = { CLERK_SECRET_KEY: fakeKey, CLERK_API_URL: "http://127.0.0.1:9/v1" }
        for (
          const args of [
            ["get", "x", "--timeout-ms", "-1"],
            ["get", "x", "--max-retries", "-3"],
            ["get", "x", "--deadline-ms", "0"],
            ["emulator", "--port", "-1"],
            ["emulator", "--port", "70000"],
            ["emulator", "--clients", "-5"],
            ["emulator", "--fault-rate", "2"],
            ["emulator", "--rate-limit", "fast"]
          ]
        ) {
          const result = yield* run(args, env)
          expect([args.join(" "), result.code]).toEqual([args.join(" "), 2])
          expect(result.stderr).not.toContain("RangeError")
          expect(result.stderr).not.toMatch(/\n\s+at /)
        }
      }),
    60_000
  ) // eight processes one after the other, on a machine that may be busy

  it.scoped("the emulator says plainly when its port is taken, and refuses --clients next to --data", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ seedClients: 2 })
      const port = new URL(emulator.apiUrl).port
      const taken = yield* run(["emulator", "--port", port])
      expect(taken.code).toBe(2)
      expect(taken.stderr).toContain(`port ${port} on 127.0.0.1 is already in use (EADDRINUSE)`)
      expect(taken.stderr).not.toMatch(/\n\s+at /)
      const both = yield* run(["emulator", "--data", cli, "--clients", "5"])
      expect(both.code).toBe(2)
      expect(both.stderr).toContain("--clients and --data exclude each other")
    }))

  it.scoped("a 503 that never ends says how many attempts were made; --log-level works after the subcommand", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ secretKey: fakeKey, seedClients: 2 })
      yield* emulator.injectFaults({ status: 503, times: 10 })
      const env = { CLERK_SECRET_KEY: fakeKey, CLERK_API_URL: emulator.apiUrl }
      const result = yield* run(["get", emulator.clients[0]!.id, "--max-retries", "1", "--log-level", "debug"], env)
      expect(result.code).toBe(3)
      expect(result.stderr).toContain("503")
      expect(result.stderr).toContain("after 2 attempts")
      // The debug line of the retry shows the log level took effect, and it went to stderr, not stdout.
      expect(result.stderr).toContain("retry 1 in")
      expect(result.stdout).toBe("")
      noLeak(result)
    }))

  it.effect("help is plain text off a terminal and under NO_COLOR; a config error has no stray punctuation", () =>
    Effect.gen(function*() {
      for (const env of [{}, { NO_COLOR: "1" }]) {
        const help = yield* run(["list", "--help"], env)
        expect(help.stdout).not.toMatch(/\u001b\[/)
      }
      const bad = yield* run(["get", "x"], { CLERK_SECRET_KEY: fakeKey, CLERK_API_URL: "http://example.com/v1" })
      expect(bad.code).toBe(2)
      expect(bad.stderr.trim()).toMatch(
        /^error: configuration: apiUrl: the API URL must use https \(plain http is allowed only for [^)]+\), got http:\/\/example\.com$/
      )
    }))

  it.effect("emulator --rate-limit 2/1s answers the third request of a second with Clerk's 429 and Retry-After", () =>
    Effect.gen(function*() {
      const child = spawn(process.execPath, [cli, "emulator", "--port", "0", "--rate-limit", "2/1s"], {
        stdio: ["ignore", "pipe", "pipe"]
      })
      yield* Effect.addFinalizer(() => Effect.sync(() => child.kill("SIGTERM")))
      const origin = yield* Effect.async<string>((resume) => {
        child.stdout.on("data", (chunk: Buffer) => {
          const match = chunk.toString().match(/listening at (\S+)/)
          if (match) resume(Effect.succeed(match[1]!))
        })
      })
      const statuses = yield* Effect.promise(async () => {
        const out: Array<[number, string | null, unknown]> = []
        // Start at the beginning of a window, so the three requests share it.
        await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5))
        for (let i = 0; i < 3; i++) {
          const response = await fetch(`${origin}/v1/clients?limit=1`, {
            headers: { authorization: "Bearer sk_test_effect_clerk_emulator" }
          })
          out.push([response.status, response.headers.get("retry-after"), await response.json()])
        }
        return out
      })
      expect(statuses.map(([status]) => status)).toEqual([200, 200, 429])
      expect(statuses[2]![1]).toBe("1")
      expect(statuses[2]![2]).toMatchObject({ errors: [{ code: "too_many_requests" }] })
    }).pipe(Effect.scoped))

  it.scoped("the emulator banner never prints a key given with --secret-key", () =>
    Effect.gen(function*() {
      const child = spawn(process.execPath, [cli, "emulator", "--port", "0", "--secret-key", fakeKey], {
        stdio: ["ignore", "pipe", "pipe"]
      })
      yield* Effect.addFinalizer(() => Effect.sync(() => child.kill("SIGTERM")))
      const banner = yield* Effect.async<string>((resume) => {
        let out = ""
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString()
          if (out.includes("Ctrl-C to stop.\n")) resume(Effect.succeed(out))
        })
      })
      expect(banner).toContain("CLERK_SECRET_KEY: the key given with --secret-key")
      expect(banner).not.toContain("LEAKCHECK")
      expect(banner).not.toContain("sk_test_effect_clerk_emulator")
    }))

  it.effect("--emulator with --api-url or CLERK_API_URL is a usage error that names both", () =>
    Effect.gen(function*() {
      const flag = yield* run(["list", "--emulator", "--api-url", "http://127.0.0.1:9"])
      expect([flag.code, flag.stdout]).toEqual([2, ""])
      expect(flag.stderr.trim()).toBe(
        "error: --emulator and --api-url exclude each other: --emulator runs against an embedded emulator, " +
          "--api-url names another server. Drop one."
      )
      const env = yield* run(["get", "client_x", "--emulator"], { CLERK_API_URL: "http://127.0.0.1:9/v1" })
      expect([env.code, env.stdout]).toEqual([2, ""])
      expect(env.stderr).toContain("--emulator and CLERK_API_URL exclude each other")
      expect(env.stderr).toContain("(unset CLERK_API_URL)")
      // An empty CLERK_API_URL is no URL: --emulator alone goes on.
      const empty = yield* run(["list", "--emulator", "--limit", "1", "--json"], { CLERK_API_URL: "" })
      expect(empty.code).toBe(0)
    }))

  it.scoped("off a terminal, list, get and verify print the same wire JSON with or without --json", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ secretKey: fakeKey, seedClients: 4 })
      const env = { CLERK_SECRET_KEY: fakeKey, CLERK_API_URL: emulator.origin }
      const token = yield* emulator.mintToken(emulator.clients[1]!.id)
      for (
        const args of [["list", "--limit", "2"], ["get", emulator.clients[0]!.id], ["verify", token]]
      ) {
        const plain = yield* run(args, env)
        const json = yield* run([...args, "--json"], env)
        expect([args[0], plain.code, plain.stdout]).toEqual([args[0], 0, json.stdout])
        expect(() => JSON.parse(plain.stdout)).not.toThrow()
      }
      const listed = JSON.parse((yield* run(["list", "--limit", "2"], env)).stdout)
      expect(Object.keys(listed)).toEqual(["data", "total_count"])
      expect(listed.data[0]).toHaveProperty("created_at", emulator.clients[0]!.createdAt)
      const help = yield* run(["list", "--help"])
      expect(help.stdout.replace(/\s+/g, " ")).toContain(
        "Without it: a table on a terminal; off a terminal (a pipe, a file) the same JSON as --json."
      )
    }))

  it.scoped(
    "off a terminal, with or without NO_COLOR, nothing writes a control sequence",
    () =>
      Effect.gen(function*() {
        const { emulator } = yield* start({ secretKey: fakeKey, seedClients: 12 })
        // A table's worth of output, NDJSON, @effect/cli's own usage error and help, and a Clerk error with debug logs.
        const commands = [
          ["list"],
          ["stream", "--page-size", "5"],
          ["list", "--bogus"],
          ["get", "client_nope", "--log-level", "debug", "--max-retries", "0"]
        ]
        const runs = [{}, { NO_COLOR: "1" }].flatMap((noColor) =>
          commands.map((args) => ({
            args,
            env: { CLERK_SECRET_KEY: fakeKey, CLERK_API_URL: emulator.origin, ...noColor }
          }))
        )
        const results = yield* Effect.forEach(runs, ({ args, env }) => run(args, env), { concurrency: 2 })
        results.forEach((result, i) => {
          const name = `${JSON.stringify(runs[i]!.env.NO_COLOR ?? null)} ${runs[i]!.args.join(" ")}`
          expect([name, controls(result.stdout + result.stderr)]).toEqual([name, []])
        })
      }),
    60_000
  )
})

/**
 * A preload for the CLI's process: `dns.lookup` of any *.attacker.example answers 127.0.0.1 (and says so on stderr),
 * so a request to such a name would reach a loopback server the test controls.
 */
const resolveAttackerToLoopback = `
import dns from "node:dns"
const lookup = dns.lookup
dns.lookup = (hostname, options, callback) => {
  if (typeof hostname !== "string" || !hostname.endsWith(".attacker.example")) return lookup(hostname, options, callback)
  process.stderr.write("resolved " + hostname + " to 127.0.0.1\\n")
  const done = typeof options === "function" ? options : callback
  const all = typeof options === "object" && options !== null && options.all === true
  process.nextTick(() => all ? done(null, [{ address: "127.0.0.1", family: 4 }]) : done(null, "127.0.0.1", 4))
}
`

/** Escape sequences and control characters other than newline and tab. */
const controls = (text: string): Array<string> =>
  text.match(/\u001b\[?[0-9;]*[A-Za-z]?|[\u0000-\u0008\u000b-\u001f\u007f]/g) ?? []
