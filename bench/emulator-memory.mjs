// The emulator under load: 100k clients seeded, 20k requests (get / list of 100 / verify), RSS of the emulator
// process read from /proc before, during and after. Prints one JSON line.
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { request } from "undici"

const cli = fileURLToPath(new URL("../dist/bin/cli.js", import.meta.url))
const emulator = spawn(process.execPath, [cli, "emulator", "--port", "0", "--clients", "100000", "--seed", "7"], {
  stdio: ["ignore", "pipe", "inherit"]
})
const apiUrl = await new Promise((resolve, reject) => {
  let out = ""
  emulator.stdout.on("data", (chunk) => {
    out += chunk
    const match = out.match(/listening at (\S+)/)
    // The banner prints the origin (Clerk's SDKs add /v1 themselves); the calls below go to the API under /v1.
    if (match) resolve(`${match[1]}/v1`)
  })
  emulator.once("exit", (code) => reject(new Error(`emulator exited with ${code}`)))
})
const rssMb = () => Number(readFileSync(`/proc/${emulator.pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)[1]) / 1024
const headers = { authorization: "Bearer sk_test_effect_clerk_emulator", "content-type": "application/json" }
const call = async (path, init = {}) => {
  const res = await request(`${apiUrl}${path}`, { headers, ...init })
  const body = await res.body.json()
  if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode} ${JSON.stringify(body)}`)
  return body
}

const page = await call("/clients?paginated=true&limit=500")
const ids = page.data.map((c) => c.id)
const { token } = await call("/../__emulator/tokens".replace("/..", ""), {}).catch(async () => {
  const origin = apiUrl.replace(/\/v1$/, "")
  const res = await request(`${origin}/__emulator/tokens`, {
    method: "POST",
    headers,
    body: JSON.stringify({ client_id: ids[0] })
  })
  return res.body.json()
})
const afterSeed = rssMb()
let peak = afterSeed
const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 25)
const total = Number(process.env.BENCH_EMULATOR_REQUESTS ?? 20_000)
let next = 0
const quarters = []
const started = performance.now()
await Promise.all(Array.from({ length: 16 }, async () => {
  while (next < total) {
    const i = next++
    if (i > 0 && i % (total / 4) === 0) quarters.push(Math.round(rssMb()))
    if (i % 10 === 0) await call(`/clients?paginated=true&limit=100&offset=${(i * 37) % 99_900}`)
    else if (i % 10 === 1) await call("/clients/verify", { method: "POST", body: JSON.stringify({ token }) })
    else await call(`/clients/${ids[i % ids.length]}`)
  }
}))
const seconds = (performance.now() - started) / 1000
clearInterval(sampler)
await new Promise((resolve) => setTimeout(resolve, 500))
const after = rssMb()
emulator.kill()
console.log(
  JSON.stringify({
    clients: 100_000,
    requests: total,
    seconds,
    requestsPerSecond: total / seconds,
    rssAfterSeedMb: afterSeed,
    rssAtQuartersMb: quarters,
    rssPeakMb: peak,
    rssAfterLoadMb: after
  })
)
