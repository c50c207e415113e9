// One program, run unchanged on Node, Bun, Deno and workerd, on either face (`effect-clerk` or `effect-clerk/v4`,
// passed in as `face`): list, get, verify, a typed 404, a retried 503 and a timeout, through the Promise API and the
// transport it picks for the runtime. The faults are queued on the emulator's admin route, as a rehearsal would.
export const main = async ({ ClerkClients, ClerkError, RetryPolicy }, apiUrl, secretKey) => {
  const origin = new URL(apiUrl).origin
  const admin = async (path, body) => {
    const response = await fetch(origin + path, {
      method: "POST",
      headers: { authorization: `Bearer ${secretKey}`, "content-type": "application/json" },
      body: JSON.stringify(body)
    })
    return response.json()
  }
  const clerk = ClerkClients.make({ secretKey, apiUrl, deprecationWarning: false })
  try {
    const page = await clerk.clients.list({ limit: 3 })
    const one = await clerk.clients.get(page.data[0].id)
    const { token } = await admin("/__emulator/tokens", { client_id: page.data[1].id })
    const mine = await clerk.clients.verify({ token })
    const missing = await clerk.clients.get("client_missing").then(
      () => "found",
      (e) => (e instanceof ClerkError.ClerkErrors ? `${e._tag} ${e.status}` : String(e))
    )
    await admin("/__emulator/faults", { faults: [{ status: 503, operation: "get" }] })
    const retried = await clerk.clients.get(page.data[2].id, {
      retry: RetryPolicy.backoff({ initialInterval: "10 millis", jitter: 0 })
    })
    await admin("/__emulator/faults", { faults: [{ latencyMs: 2000, operation: "get" }] })
    const timedOut = await clerk.clients.get(page.data[0].id, { timeout: "200 millis", retry: false }).then(
      () => "answered",
      (e) => (e instanceof ClerkError.SDKError ? e.reason : String(e))
    )
    return {
      listed: page.data.length,
      got: one.id === page.data[0].id,
      verified: mine.id === page.data[1].id,
      missing,
      retried: retried.id === page.data[2].id,
      timedOut
    }
  } finally {
    await clerk.close()
  }
}
