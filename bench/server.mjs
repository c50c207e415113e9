// A loopback Clerk stand-in for benchmarks: bodies are serialised (and compressed) once, so the server costs little
// and the client's CPU is what is measured. Prints `{ port, pageBytes }` as JSON on stdout.
//
// BENCH_FRAMING says how bodies are sent, as real servers vary it:
//   content-length  the whole body with a Content-Length header
//   chunked         no Content-Length, the body in 16 KiB chunks (what a streaming server or a proxy sends)
//   gzip            chunked, gzip-compressed when the request's Accept-Encoding allows it (what a CDN sends);
//                   identity chunked otherwise
import { Schema } from "effect"
import { createServer } from "node:http"
import { gzipSync } from "node:zlib"
import { Client } from "../dist/index.js"
import { generate } from "../dist/internal/store.js"

const total = Number(process.env.BENCH_TOTAL ?? 1_000_000)
const framing = process.env.BENCH_FRAMING ?? "content-length"
// Simulated server-side latency per list page (Clerk's real pages take tens of ms); 0 = answer at once.
const latencyMs = Number(process.env.BENCH_SERVER_LATENCY_MS ?? 0)
const clients = Schema.encodeSync(Schema.Array(Client.Client))(generate(500, 42))

const bodies = new Map()
/** The identity and gzip bytes of a body, made once. */
const body = (key, make) => {
  if (!bodies.has(key)) {
    const identity = Buffer.from(make())
    bodies.set(key, { identity, gzip: gzipSync(identity) })
  }
  return bodies.get(key)
}
const page = (n) => body(`page:${n}`, () => JSON.stringify({ data: clients.slice(0, n), total_count: total }))
const one = body("one", () => JSON.stringify(clients[1]))

const send = (req, res, status, { identity, gzip }) => {
  const compress = framing === "gzip" && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))
  const bytes = compress ? gzip : identity
  const headers = { "content-type": "application/json" }
  if (compress) headers["content-encoding"] = "gzip"
  if (framing === "content-length") headers["content-length"] = bytes.length
  res.writeHead(status, headers)
  if (framing === "content-length") return res.end(bytes)
  for (let i = 0; i < bytes.length; i += 16_384) res.write(bytes.subarray(i, i + 16_384))
  res.end()
}

const server = createServer((req, res) => {
  const url = req.url
  if (url.startsWith("/v1/clients?")) {
    const params = new URL(url, "http://x").searchParams
    const limit = Number(params.get("limit") ?? 10)
    const offset = Number(params.get("offset") ?? 0)
    const n = Math.max(0, Math.min(limit, total - offset))
    if (latencyMs > 0) setTimeout(() => send(req, res, 200, page(n)), latencyMs)
    else send(req, res, 200, page(n))
    return
  }
  if (url.startsWith("/v1/clients/")) return send(req, res, 200, one)
  send(req, res, 404, body("404", () => "{\"errors\":[{\"code\":\"resource_not_found\",\"message\":\"not found\"}]}"))
})
server.keepAliveTimeout = 60_000
server.listen(
  0,
  "127.0.0.1",
  () =>
    console.log(
      JSON.stringify({
        port: server.address().port,
        pageBytes: { identity: page(500).identity.length, gzip: page(500).gzip.length }
      })
    )
)
