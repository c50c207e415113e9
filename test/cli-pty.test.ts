/**
 * The real `effect-clerk` binary on a pseudo-terminal, as a person runs it: tables with ISO-8601 dates, colour only
 * when allowed, and under `NO_COLOR` no control sequence at all.
 */
import { describe, expect, it } from "@effect/vitest"
import * as pty from "@lydell/node-pty"
import { Effect } from "effect"
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { start } from "./support/EmulatorFixture.js"

const cli = fileURLToPath(new URL("../dist/bin/cli.js", import.meta.url))
const key = "sk_test_effect_clerk_emulator"

interface Run {
  readonly code: number
  /** stdout and stderr as the terminal shows them, with the terminal's `\r\n` read as `\n`. */
  readonly screen: string
  /** What the terminal received, byte for byte. */
  readonly raw: string
}

const onPty = (file: string, args: ReadonlyArray<string>, env: Record<string, string>, cwd?: string) =>
  Effect.async<Run>((resume) => {
    const base: Record<string, string> = {}
    for (const [name, value] of Object.entries(process.env)) {
      if (value !== undefined && !["CLERK_SECRET_KEY", "CLERK_API_URL", "NO_COLOR", "FORCE_COLOR"].includes(name)) {
        base[name] = value
      }
    }
    const child = pty.spawn(file, [...args], {
      cols: 220,
      rows: 60,
      env: { ...base, TERM: "xterm-256color", ...env },
      ...(cwd === undefined ? {} : { cwd })
    })
    let raw = ""
    child.onData((data) => (raw += data))
    child.onExit(({ exitCode }) => resume(Effect.succeed({ code: exitCode, raw, screen: raw.replace(/\r\n/g, "\n") })))
  })

const run = (args: ReadonlyArray<string>, env: Record<string, string>) => onPty(process.execPath, [cli, ...args], env)

/**
 * `stream` with its NDJSON (stdout) sent to /dev/null and its progress (stderr) on the terminal: on a loaded machine
 * node-pty loses the tail of a long output when the child exits (seen: the screen cut off mid-client, the progress
 * line after it gone), and the progress line is what these tests read.
 */
const streamProgress = (env: Record<string, string>) =>
  onPty("sh", ["-c", "exec \"$0\" \"$@\" > /dev/null", process.execPath, cli, "stream", "--page-size", "5"], env)

/** Escape sequences and control characters other than newline and tab (the terminal's `\r\n` already read as `\n`). */
const controls = (text: string): Array<string> =>
  text.match(/\u001b\[?[0-9;?]*[A-Za-z]?|[\u0000-\u0008\u000b-\u001f\u007f]/g) ?? []

describe.concurrent("effect-clerk CLI on a terminal", () => {
  it.scoped("list prints a table whose dates are the clients' created_at in ISO-8601 (UTC), and a count", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ seedClients: 9 })
      const result = yield* run(["list", "--limit", "4", "--offset", "1"], {
        CLERK_SECRET_KEY: key,
        CLERK_API_URL: emulator.origin
      })
      expect(result.code).toBe(0)
      const lines = result.screen.trimEnd().split("\n")
      expect(lines[0]).toMatch(/^id\s+sessions\s+last active session\s+last strategy\s+created at$/)
      expect(lines[1]).toMatch(/^-+(\s+-+){4}$/)
      const rows = lines.slice(2, -1).map((line) => line.split(/\s{2,}/))
      expect(rows.map((row) => [row[0], row[4]])).toEqual(
        emulator.clients.slice(1, 5).map((client) => [client.id, new Date(client.createdAt).toISOString()])
      )
      for (const row of rows) expect(row[4]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
      expect(lines.at(-1)).toBe("4 of 9 clients")

      const one = yield* run(["get", emulator.clients[2]!.id], {
        CLERK_SECRET_KEY: key,
        CLERK_API_URL: emulator.origin
      })
      expect(one.screen).toContain(new Date(emulator.clients[2]!.createdAt).toISOString())
      const json = yield* run(["list", "--limit", "1", "--json"], {
        CLERK_SECRET_KEY: key,
        CLERK_API_URL: emulator.origin
      })
      expect(JSON.parse(json.screen)).toMatchObject({ total_count: 9, data: [{ id: emulator.clients[0]!.id }] })
    }))

  it.scoped(
    "under NO_COLOR nothing writes a control sequence: tables, errors, help, logs, stream progress",
    () =>
      Effect.gen(function*() {
        const { emulator } = yield* start({ seedClients: 12 })
        const env = { CLERK_SECRET_KEY: key, CLERK_API_URL: emulator.origin, NO_COLOR: "1" }
        // Tables, @effect/cli's usage error and help, a Clerk error with debug logs, and the embedded emulator.
        const commands = [
          ["list"],
          ["get", emulator.clients[0]!.id],
          ["list", "--bogus"],
          ["get", "client_nope", "--log-level", "debug", "--max-retries", "0"],
          ["list", "--emulator", "--limit", "2"]
        ]
        const results = yield* Effect.forEach(
          commands,
          (args) => run(args, args.includes("--emulator") ? { NO_COLOR: "1" } : env),
          { concurrency: 2 }
        )
        results.forEach((result, i) => {
          const name = commands[i]!.join(" ")
          expect([name, controls(result.screen)]).toEqual([name, []])
        })
        // stream's progress, without \r under NO_COLOR: one final line.
        const streamed = yield* streamProgress(env)
        expect(controls(streamed.screen)).toEqual([])
        expect(streamed.screen).toMatch(/^12 clients, 3 pages, \d+ clients\/s\n$/)
      }),
    60_000
  )

  it.scoped("without NO_COLOR a terminal gets colour in help and a live progress line (so the check above can fail)", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ seedClients: 12 })
      const help = yield* run(["get", "--help"], {})
      expect(controls(help.screen).some((sequence) => sequence.startsWith("\u001b["))).toBe(true)
      const streamed = yield* streamProgress({ CLERK_SECRET_KEY: key, CLERK_API_URL: emulator.origin })
      expect(streamed.screen).toContain("\r12 clients, 3 pages, ")
    }))

  it.scoped("through npx without its progress spinner (the README's advice), the terminal gets no control sequence", () =>
    Effect.gen(function*() {
      // A project that installed effect-clerk: npx finds the command in node_modules/.bin.
      const project = mkdtempSync(join(tmpdir(), "effect-clerk-npx-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(project, { recursive: true, force: true })))
      mkdirSync(join(project, "node_modules", ".bin"), { recursive: true })
      symlinkSync(cli, join(project, "node_modules", ".bin", "effect-clerk"))
      const result = yield* onPty(
        "npx",
        ["--no-progress", "effect-clerk", "list", "--emulator", "--limit", "2"],
        { NO_COLOR: "1", npm_config_update_notifier: "false" },
        project
      )
      expect(result.code).toBe(0)
      expect(result.screen).toContain("2 of 25 clients")
      expect(controls(result.screen)).toEqual([])
    }))
})
