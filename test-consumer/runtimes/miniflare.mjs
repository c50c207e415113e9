// workerd through miniflare: `node miniflare.mjs <apiUrl> <secretKey>` runs worker.bundle.mjs once, prints its JSON.
import { Miniflare } from "miniflare"
import { readFileSync } from "node:fs"

const [apiUrl, secretKey] = process.argv.slice(2)
// The bundle is given as the one module, as wrangler hands it to workerd (no dependency scan of dynamic imports).
const mf = new Miniflare({
  modules: [{ type: "ESModule", path: "worker.bundle.mjs", contents: readFileSync("worker.bundle.mjs", "utf8") }],
  bindings: { API_URL: apiUrl, SECRET_KEY: secretKey }
})
try {
  const response = await mf.dispatchFetch("http://localhost/")
  console.log(await response.text())
} finally {
  await mf.dispose()
}
