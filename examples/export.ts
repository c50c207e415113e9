/**
 * Export every client into a SQLite file, the pipeline a team runs for a warehouse or a migration:
 *
 *   CLERK_SECRET_KEY=sk_live_… npx tsx examples/export.ts clients.db
 *
 * - Resumable: each page is upserted and the checkpoint (the next offset) advanced in one transaction, so a killed
 *   export restarts where it stopped.
 * - Exact: rows are keyed by client id. Clients created during the export push the others to higher offsets, so a
 *   page may come again (an upsert, not a duplicate); `Clients.stream` reads on until a short page, and a last pass
 *   from offset 0 picks up the clients created meanwhile, which `GET /v1/clients` lists first.
 * - Polite: the `Clients` defaults pace the calls under Clerk's rate limit (the shared gate and the adaptive rate),
 *   and retry what is worth retrying.
 */
import { SqliteClient } from "@effect/sql-sqlite-node"
import * as SqlClient from "@effect/sql/SqlClient"
import { Chunk, Effect, Layer, Schema, Stream } from "effect"
import { Client, Clients } from "effect-clerk"
import * as UndiciHttpClient from "effect-clerk/UndiciHttpClient"

const encode = Schema.encodeSync(Client.Client)

const upsert = (sql: SqlClient.SqlClient, clients: ReadonlyArray<Client.Client>) =>
  Effect.forEach(
    clients,
    (client) =>
      sql`INSERT INTO clients (id, created_at, json) VALUES (${client.id}, ${client.createdAt}, ${
        JSON.stringify(encode(client))
      })
        ON CONFLICT (id) DO UPDATE SET created_at = excluded.created_at, json = excluded.json`,
    { discard: true }
  )

/** Exports every client; succeeds with how many rows the file holds. */
export const exportClients = (pageSize = 500) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const clients = yield* Clients.Clients
    yield* sql`CREATE TABLE IF NOT EXISTS clients (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, json TEXT NOT NULL)`
    yield* sql`CREATE TABLE IF NOT EXISTS checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), next_offset INTEGER NOT NULL)`
    yield* sql`INSERT INTO checkpoint (id, next_offset) VALUES (1, 0) ON CONFLICT (id) DO NOTHING`
    const [checkpoint] = yield* sql<{ next_offset: number }>`SELECT next_offset FROM checkpoint WHERE id = 1`
    const start = checkpoint?.next_offset ?? 0

    // From the checkpoint to the end, a page per transaction.
    yield* clients.stream({ pageSize, offset: start }).pipe(
      Stream.grouped(pageSize),
      Stream.runForEach((page) =>
        sql.withTransaction(Effect.zipRight(
          upsert(sql, Chunk.toReadonlyArray(page)),
          sql`UPDATE checkpoint SET next_offset = next_offset + ${page.length} WHERE id = 1`
        ))
      )
    )

    // Clients created since the export began are at the front: read pages from 0 until one brings nothing new.
    for (let offset = 0;; offset += pageSize) {
      const { data } = yield* clients.list({ limit: pageSize, offset })
      const ids = data.map((client) => client.id)
      const known = ids.length === 0
        ? []
        : yield* sql<{ id: string }>`SELECT id FROM clients WHERE ${sql.in("id", ids)}`
      yield* upsert(sql, data)
      if (known.length === ids.length || data.length < pageSize) break
    }
    const [rows] = yield* sql<{ count: number }>`SELECT count(*) AS count FROM clients`
    return rows?.count ?? 0
  })

/** The layers: `Clients` from the environment (CLERK_SECRET_KEY, CLERK_API_URL), SQLite on `filename`. */
export const layer = (filename: string) =>
  Layer.mergeAll(
    Clients.layerConfig({ deprecationWarning: false }).pipe(Layer.provide(UndiciHttpClient.layer)),
    SqliteClient.layer({ filename })
  )

if (import.meta.url === `file://${process.argv[1]}`) {
  const filename = process.argv[2] ?? "clients.db"
  const pageSize = Number(process.argv[3] ?? 500)
  const count = await Effect.runPromise(exportClients(pageSize).pipe(Effect.provide(layer(filename))))
  console.log(`${count} clients in ${filename}`)
}
