// A minimal loopback Clerk stand-in for benchmarks: bodies are serialised once, so the server costs little and the
// client's CPU is what is measured. Prints its port on stdout.
import { createServer } from "node:http"
import { Schema } from "effect"
import { Client } from "../dist/index.js"
import { generate } from "../dist/internal/store.js"

const total = Number(process.env.BENCH_TOTAL ?? 1_000_000)
// Simulated server-side latency per list page (Clerk's real pages take tens of ms); 0 = answer at once.
const latencyMs = Number(process.env.BENCH_SERVER_LATENCY_MS ?? 0)
const clients = Schema.encodeSync(Schema.Array(Client.Client))(generate(500, 42))
const one = JSON.stringify(clients[1])
const page = (n) => JSON.stringify({ data: clients.slice(0, n), total_count: total })
const pages = new Map()
const pageBody = (n) => {
  if (!pages.has(n)) pages.set(n, Buffer.from(page(n)))
  return pages.get(n)
}
const oneBody = Buffer.from(one)

const server = createServer((req, res) => {
  const url = req.url
  if (url.startsWith("/v1/clients?")) {
    const params = new URL(url, "http://x").searchParams
    const limit = Number(params.get("limit") ?? 10)
    const offset = Number(params.get("offset") ?? 0)
    const n = Math.max(0, Math.min(limit, total - offset))
    const body = pageBody(n)
    const send = () => {
      res.writeHead(200, { "content-type": "application/json", "content-length": body.length })
      res.end(body)
    }
    if (latencyMs > 0) setTimeout(send, latencyMs)
    else send()
    return
  }
  if (url.startsWith("/v1/clients/")) {
    res.writeHead(200, { "content-type": "application/json", "content-length": oneBody.length })
    res.end(oneBody)
    return
  }
  res.writeHead(404, { "content-type": "application/json" })
  res.end('{"errors":[{"code":"resource_not_found","message":"not found"}]}')
})
server.keepAliveTimeout = 60_000
server.listen(0, "127.0.0.1", () => console.log(String(server.address().port)))
