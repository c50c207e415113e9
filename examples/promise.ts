/**
 * The Promise API, for code that does not use Effect: `npx tsx examples/promise.ts` (starts its own emulator, whose
 * key is `sk_test_effect_clerk_emulator`). Without `secretKey` and `apiUrl`, `make` would read `CLERK_SECRET_KEY` and
 * `CLERK_API_URL`.
 */
import { ClerkClients, ClerkError } from "effect-clerk"

export const main = async (apiUrl: string, secretKey: string, token: string) => {
  await using clerk = ClerkClients.make({ secretKey, apiUrl, timeout: "5 seconds" })

  const page = await clerk.clients.list({ limit: 20, offset: 10 })
  const client = await clerk.clients.get(page.data[0]!.id, { signal: AbortSignal.timeout(2_000) })
  const mine = await clerk.clients.verify({ token })

  let streamed = 0
  for await (const _ of clerk.clients.stream({ pageSize: 100 })) streamed++

  let missing = "found"
  try {
    await clerk.clients.get("client_does_not_exist")
  } catch (error) {
    // Only the answer expected here is handled; anything else (transport, timeout, another status) propagates.
    if (!(error instanceof ClerkError.ClerkErrors && error.status === 404)) throw error
    missing = error.errors[0]?.code ?? "404"
  }
  return { listed: page.data.length, client: client.id, mine: mine.id, streamed, missing }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { NodeHttpServer } = await import("@effect/platform-node")
  const { Context, Effect, Layer, Scope, Exit } = await import("effect")
  const { createServer } = await import("node:http")
  const { Emulator } = await import("effect-clerk")
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(
    Layer.buildWithScope(
      Emulator.layer({ seedClients: 250 }).pipe(
        Layer.provide(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
      ),
      scope
    )
  )
  const emulator = Context.get(context, Emulator.Emulator)
  const token = await Effect.runPromise(emulator.mintToken(emulator.clients[1]!.id))
  console.log(await main(emulator.apiUrl, Emulator.defaultSecretKey, token))
  await Effect.runPromise(Scope.close(scope, Exit.void))
}
