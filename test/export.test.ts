/**
 * The export example as a user runs it: a child process against the emulator (rate limit on), killed with SIGKILL
 * mid-way, new clients signed up meanwhile, restarted, and the SQLite file compared with the emulator's clients.
 */
import { describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import { Effect } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Emulator } from "../src/index.js"
import { start } from "./support/EmulatorFixture.js"
import * as TestServer from "./support/TestServer.js"

const example = fileURLToPath(new URL("../examples/export.ts", import.meta.url))

const exportProcess = (apiUrl: string, db: string): ChildProcess =>
  spawn(process.execPath, ["--import", "tsx", example, db, "25"], {
    env: { ...process.env, CLERK_SECRET_KEY: Emulator.defaultSecretKey, CLERK_API_URL: apiUrl },
    stdio: ["ignore", "pipe", "pipe"]
  })

const exited = (child: ChildProcess) =>
  Effect.async<{ code: number | null; stdout: string }>((resume) => {
    let stdout = ""
    child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.on("close", (code) => resume(Effect.succeed({ code, stdout })))
  })

const checkpoint = (db: string): number => {
  try {
    const handle = new Database(db, { readonly: true, fileMustExist: true })
    try {
      const row: unknown = handle.prepare("SELECT next_offset FROM checkpoint WHERE id = 1").get()
      return typeof row === "object" && row !== null && "next_offset" in row && typeof row.next_offset === "number"
        ? row.next_offset
        : 0
    } finally {
      handle.close()
    }
  } catch {
    return 0
  }
}

describe("examples/export.ts", () => {
  it.scopedLive(
    "killed mid-way and restarted, it exports every client exactly once, new sign-ups included",
    () =>
      Effect.gen(function*() {
        const dir = mkdtempSync(join(tmpdir(), "effect-clerk-export-"))
        yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
        const db = join(dir, "clients.db")
        // Clerk's limit, scaled down: 4 requests a second.
        const { emulator } = yield* start({ seedClients: 300, rateLimit: { limit: 4, window: "1 second" } })

        const first = exportProcess(emulator.apiUrl, db)
        const killed = exited(first)
        yield* TestServer.eventually(() => checkpoint(db) >= 100, "the export to pass 100 clients")
        first.kill("SIGKILL")
        expect((yield* killed).code).toBe(null)
        const stoppedAt = checkpoint(db)
        expect(stoppedAt).toBeGreaterThanOrEqual(100)
        expect(stoppedAt).toBeLessThan(300)

        // Sign-ups while the export is down: every offset shifts by 7.
        yield* emulator.createClients(7)
        const second = yield* exited(exportProcess(emulator.apiUrl, db))
        expect(second.code).toBe(0)
        expect(second.stdout).toContain("307 clients")

        const handle = new Database(db, { readonly: true })
        const rows = handle.prepare("SELECT id FROM clients").all()
        handle.close()
        const ids = rows.map((row) => (typeof row === "object" && row !== null && "id" in row ? String(row.id) : ""))
        expect(ids.sort()).toEqual(emulator.clients.map((client) => client.id).sort())
        expect((yield* emulator.stats).rateLimited).toBeGreaterThan(0)
      }),
    60_000
  )
})
