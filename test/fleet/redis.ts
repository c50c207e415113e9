/**
 * A private redis-server for one test file: a free loopback port, persistence off, stopped (or killed) by the test.
 * Fails with a clear message when redis-server is not installed.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { createServer } from "node:net"

export interface RedisServer {
  readonly url: string
  readonly port: number
  /** Ends the server at once (SIGKILL), as a crash would. */
  readonly kill: () => Promise<void>
  readonly stop: () => Promise<void>
}

export const redisServerPath = (): string => {
  try {
    return execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim()
  } catch {
    throw new Error(
      "test:fleet needs redis-server, which is not installed. On Debian or Ubuntu: apt-get install -y redis-server"
    )
  }
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const ended = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
  })

export const startRedis = async (): Promise<RedisServer> => {
  const path = redisServerPath()
  const port = await freePort()
  const child = spawn(
    path,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
    { stdio: ["ignore", "pipe", "pipe"] }
  )
  await new Promise<void>((resolve, reject) => {
    let output = ""
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000)
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`redis-server exited (${code}):\n${output}`))
    })
  })
  const signal = (name: NodeJS.Signals) => async () => {
    child.kill(name)
    await ended(child)
  }
  return { url: `redis://127.0.0.1:${port}`, port, kill: signal("SIGKILL"), stop: signal("SIGTERM") }
}
