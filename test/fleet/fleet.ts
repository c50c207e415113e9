/** Runs workers (worker.ts) as real OS processes against one emulator, and collects what each reports. */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import type { WorkerConfig, WorkerResult } from "./worker.js"

const workerPath = fileURLToPath(new URL("./worker.ts", import.meta.url))

export interface Worker {
  readonly pid: number
  readonly result: Promise<WorkerResult>
}

export const startWorker = (config: WorkerConfig): Worker => {
  const child = spawn(process.execPath, ["--import", "tsx", workerPath], {
    env: { ...process.env, FLEET_WORKER: JSON.stringify(config) },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
  const result = new Promise<WorkerResult>((resolve, reject) => {
    child.once("exit", (code) => {
      const line = stdout.trim().split("\n").pop() ?? ""
      if (code !== 0 || line === "") return reject(new Error(`worker ${child.pid} exited ${code}:\n${stderr}`))
      resolve(JSON.parse(line))
    })
  })
  return { pid: child.pid ?? 0, result }
}

/** `total` ids dealt round-robin to `workers` workers. */
export const deal = (ids: ReadonlyArray<string>, total: number, workers: number): Array<Array<string>> =>
  Array.from(
    { length: workers },
    (_, w) => Array.from({ length: Math.ceil((total - w) / workers) }, (_, i) => ids[(w + i * workers) % ids.length]!)
  )
