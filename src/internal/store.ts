/**
 * The emulator's store (src/core/emulator/store.ts), with generated session statuses drawn from the domain's
 * `KnownSessionStatus`, so generated clients are `Client`s.
 *
 * @internal
 */
import type { Client } from "../Client.js"
import { KnownSessionStatus } from "../Client.js"
import * as Core from "../core/emulator/store.js"

export type Store = Core.Store<Client>
export type GrowingStore = Core.GrowingStore<Client>

export const fromClients = (clients: Iterable<Client>): Store => Core.fromClients(clients)

/** `count` generated clients that the store regenerates on demand (see the core store). */
export const generated = (count: number, seed: number): Store =>
  Core.generated(count, seed, KnownSessionStatus.literals)

/** `base`, plus the clients `create` adds (sign-ups during a run). */
export const growing = (base: Store, seed: number): GrowingStore =>
  Core.growing(base, seed, KnownSessionStatus.literals)

/** `count` clients from `seed`, as a list. */
export const generate = (count: number, seed: number): Array<Client> =>
  Core.generate(count, seed, KnownSessionStatus.literals)
