/**
 * A private redis-server for one test file: a free loopback port, persistence off, stopped (or killed) by the test.
 * Fails with a clear message when redis-server is not installed. And a look inside it (`inspect`): its connections,
 * every key and value, every command it receives. Effect-free: both faces' suites use it.
 */
import { Redis } from "ioredis"
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

/** A loopback port where nothing listens (yet): a Redis there is down until `startRedis(port)`. */
export const freePort = (): Promise<number> =>
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

/** Starts redis-server on a free port. */
export const startRedis = async (): Promise<RedisServer> => startRedisOn(await freePort())

/** Starts redis-server on `port` (one from {@link freePort}, where a store was pointed while Redis was down). */
export const startRedisOn = async (port: number): Promise<RedisServer> => {
  const path = redisServerPath()
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

/** One key as Redis holds it, whatever its type: its values, as text. */
export interface Entry {
  readonly key: string
  readonly type: string
  readonly values: ReadonlyArray<string>
}

export interface Inspector {
  /** How many clients are connected, besides the inspector itself (and a running `monitor`). */
  readonly connections: () => Promise<number>
  /** Every key (SCAN) with every value it holds. */
  readonly dump: () => Promise<ReadonlyArray<Entry>>
  /** Records every command the server receives, with its arguments, until `stop`. */
  readonly monitor: () => Promise<
    { readonly commands: ReadonlyArray<ReadonlyArray<string>>; readonly stop: () => void }
  >
  readonly close: () => void
}

const valuesOf = async (redis: Redis, key: string, type: string): Promise<ReadonlyArray<string>> => {
  switch (type) {
    case "string":
      return [(await redis.get(key)) ?? ""]
    case "hash":
      return Object.entries(await redis.hgetall(key)).flat()
    case "list":
      return redis.lrange(key, 0, -1)
    case "set":
      return redis.smembers(key)
    case "zset":
      return redis.zrange(key, 0, -1, "WITHSCORES")
    default:
      // A stream (or a type added later): its whole content, as the server returns it.
      return [JSON.stringify(await redis.call("XRANGE", key, "-", "+"))]
  }
}

/** A connection of the test's own to the server at `url`. */
export const inspect = (url: string): Inspector => {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 0 })
  return {
    connections: async () => {
      const own = `id=${await redis.client("ID")} `
      const list: unknown = await redis.client("LIST")
      const lines = String(list).trim().split("\n").filter((line) => line !== "")
      // A monitoring connection has flag O.
      return lines.filter((line) => !line.startsWith(own) && !/ flags=\w*O/.test(line)).length
    },
    dump: async () => {
      const entries: Array<Entry> = []
      let cursor = "0"
      do {
        const [next, keys] = await redis.scan(cursor, "COUNT", 100)
        cursor = next
        for (const key of keys) {
          const type = await redis.type(key)
          entries.push({ key, type, values: await valuesOf(redis, key, type) })
        }
      } while (cursor !== "0")
      return entries
    },
    monitor: async () => {
      const commands: Array<ReadonlyArray<string>> = []
      const monitor = await redis.monitor()
      monitor.on("monitor", (_time: string, args: ReadonlyArray<string>) => commands.push(args))
      return { commands, stop: () => monitor.disconnect() }
    },
    close: () => redis.disconnect()
  }
}

/**
 * Resolves once the Redis at `url` holds a key's pace (`<prefix>…:pace`) with a first throttle stored (rate 0) and
 * `passed` successes in its sample: the layers' background writes have landed. Rejects after 10 s.
 */
export const untilFirstThrottleStored = async (url: string, prefix: string, passed: number): Promise<void> => {
  const inspector = inspect(url)
  try {
    for (let tries = 0; tries < 1000; tries++) {
      const pace = (await inspector.dump()).find((entry) => entry.key.startsWith(prefix) && entry.key.endsWith(":pace"))
      const fields = new Map<string, string>()
      const values = pace?.values ?? []
      for (let i = 0; i + 1 < values.length; i += 2) fields.set(values[i]!, values[i + 1]!)
      if (fields.get("rate") === "0" && Number(fields.get("passed")) >= passed) return
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    throw new Error(`Redis never held the first throttle with ${passed} successes`)
  } finally {
    inspector.close()
  }
}
