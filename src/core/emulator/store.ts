/**
 * The clients an emulator (or the in-memory test layer) serves: newest first, indexed by id, generated
 * deterministically from a seed or loaded from data.
 *
 * @internal
 */
import type { Client, Session, SessionActivity } from "../Client.js"
import { KnownSessionStatus } from "../Client.js"

/** The clients a server answers with, newest first. */
export interface Store {
  readonly size: number
  /** Clients `offset` to `offset + limit`, newest first, as `GET /v1/clients` pages them. */
  readonly page: (offset: number, limit: number) => ReadonlyArray<Client>
  readonly get: (id: string) => Client | undefined
  /** Every client (materialised on demand for a generated store). */
  readonly all: () => ReadonlyArray<Client>
}

/** A store over given clients, sorted newest first. */
export const fromClients = (clients: Iterable<Client>): Store => {
  const ordered = Array.from(clients).sort(newestFirst)
  const byId = new Map(ordered.map((client) => [client.id, client]))
  return {
    size: ordered.length,
    page: (offset, limit) => ordered.slice(offset, offset + limit),
    get: (id) => byId.get(id),
    all: () => ordered
  }
}

/**
 * A store of `count` generated clients that holds none of them: client `i` is a pure function of `(seed, i)` and
 * its id starts with `i` in base 62, so `get` regenerates it from the id. Memory does not grow with `count`.
 */
export const generated = (count: number, seed: number): Store => {
  let materialised: ReadonlyArray<Client> | undefined
  return {
    size: count,
    page: (offset, limit) => {
      const out: Array<Client> = []
      for (let i = offset; i < Math.min(count, offset + limit); i++) out.push(generateOne(seed, i))
      return out
    },
    get: (id) => {
      const index = indexOf(id)
      if (index === undefined || index >= count) return undefined
      const client = generateOne(seed, index)
      return client.id === id ? client : undefined
    },
    all: () => (materialised ??= generate(count, seed))
  }
}

/** A store that can also gain clients, newest first in front of the others (sign-ups during a run). */
export interface GrowingStore extends Store {
  /** Adds `count` clients created at `now` (epoch millis), in front: every offset shifts by `count`. */
  readonly create: (count: number, now: number) => ReadonlyArray<Client>
}

export const growing = (base: Store, seed: number): GrowingStore => {
  const created: Array<Client> = []
  const byId = new Map<string, Client>()
  return {
    get size() {
      return created.length + base.size
    },
    page: (offset, limit) => {
      const front = created.slice(offset, offset + limit)
      if (front.length === limit) return front
      return front.concat(base.page(Math.max(0, offset - created.length), limit - front.length))
    },
    get: (id) => byId.get(id) ?? base.get(id),
    all: () => created.concat(base.all()),
    create: (count, now) => {
      const fresh: Array<Client> = []
      for (let k = 0; k < count; k++) {
        const n = created.length + k
        const template = generateOne(seed ^ 0x5eed, n)
        const id = `client_new${encodeIndex(n)}${template.id.slice(-16)}`
        fresh.unshift({
          ...template,
          id,
          sessions: template.sessions.map((session) => ({ ...session, clientId: id })),
          createdAt: now + k,
          updatedAt: now + k
        })
      }
      created.unshift(...fresh)
      for (const client of fresh) byId.set(client.id, client)
      return fresh
    }
  }
}

const newestFirst = (a: Client, b: Client): number =>
  b.createdAt - a.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/** mulberry32: small, fast, good enough to make varied but reproducible data. */
const prng = (seed: number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
const statuses = KnownSessionStatus.literals
const strategies = ["oauth_google", "email_code", "password", "passkey", "saml", "phone_code"]
const devices = [
  { deviceType: "Macintosh", browserName: "Chrome", browserVersion: "131.0.0.0", isMobile: false },
  { deviceType: "iPhone", browserName: "Safari", browserVersion: "18.1", isMobile: true },
  { deviceType: "Windows", browserName: "Edge", browserVersion: "130.0.0.0", isMobile: false },
  { deviceType: "Android", browserName: "Chrome Mobile", browserVersion: "131.0.0.0", isMobile: true }
]
const places = [["Lisbon", "PT"], ["Berlin", "DE"], ["San Francisco", "US"], ["Tokyo", "JP"], ["São Paulo", "BR"]]

/** The emulator's clock for generated data: 2026-11-01T00:00:00Z, in milliseconds. */
const epoch = 1_793_491_200_000

const indexWidth = 5 // 62^5 ≈ 916 million clients

const indexOf = (id: string): number | undefined => {
  if (!id.startsWith("client_") || id.length !== "client_".length + 27) return undefined
  let index = 0
  for (let k = 0; k < indexWidth; k++) {
    const digit = alphabet.indexOf(id["client_".length + k] ?? "")
    if (digit === -1) return undefined
    index = index * 62 + digit
  }
  return index
}

const encodeIndex = (index: number): string => {
  let out = ""
  for (let k = 0, rest = index; k < indexWidth; k++, rest = Math.floor(rest / 62)) out = alphabet[rest % 62] + out
  return out
}

/** Sessions of clients before `i` (client `j` has `j % 4`), so statuses cycle across clients without shared state. */
const sessionsBefore = (i: number): number => 6 * Math.floor(i / 4) + ((i % 4) * ((i % 4) - 1)) / 2

/**
 * `count` clients from `seed`. Statuses cycle through every known value and optional fields rotate through set, null
 * and absent, so a dozen clients already exercise the whole schema.
 */
export const generate = (count: number, seed: number): Array<Client> =>
  Array.from({ length: count }, (_, i) => generateOne(seed, i))

/** Client `i` of the store seeded with `seed`: newest first, so `createdAt` falls as `i` grows. */
const generateOne = (seed: number, i: number): Client => {
  const random = prng(Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) ^ Math.imul(i + 1, 0x165667b1))
  const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(random() * items.length)]!
  const id = (prefix: string, length = 27) => {
    let out = prefix
    for (let k = 0; k < length; k++) out += alphabet[Math.floor(random() * alphabet.length)]
    return out
  }

  const clientId = id(`client_${encodeIndex(i)}`, 27 - indexWidth)
  const createdAt = epoch - i * 60_000 - Math.floor(random() * 50_000)
  const sessionCount = i % 4
  const sessions: Array<Session> = []
  for (let s = 0; s < sessionCount; s++) {
    const variant = (i + s) % 3 // 0: optional fields set, 1: set to null, 2: absent
    const sessionCreated = createdAt + s * 1_000
    const device = pick(devices)
    const [city, country] = pick(places)
    const activity: SessionActivity = {
      object: "session_activity",
      id: id("sess_act_"),
      isMobile: device.isMobile,
      deviceType: device.deviceType,
      browserName: device.browserName,
      browserVersion: device.browserVersion,
      ipAddress: `198.51.100.${Math.floor(random() * 254) + 1}`,
      ...(s % 2 === 0 ? { city: city!, country: country! } : {})
    }
    const base = {
      object: "session" as const,
      id: id("sess_"),
      userId: id("user_"),
      clientId,
      status: statuses[(sessionsBefore(i) + s) % statuses.length]!,
      lastActiveAt: sessionCreated + 30_000,
      expireAt: sessionCreated + 7 * 86_400_000,
      abandonAt: sessionCreated + 30 * 86_400_000,
      updatedAt: sessionCreated + 30_000,
      createdAt: sessionCreated
    }
    sessions.push(
      variant === 0
        ? {
          ...base,
          actor: { sub: id("user_"), iss: "https://dashboard.clerk.com" },
          lastActiveOrganizationId: id("org_"),
          latestActivity: activity,
          tasks: [{ key: "choose-organization" }]
        }
        : variant === 1
        ? { ...base, actor: null, lastActiveOrganizationId: null, latestActivity: null, tasks: null }
        : base
    )
  }
  const active = sessions.find((session) => session.status === "active")
  return {
    object: "client",
    id: clientId,
    sessionIds: sessions.map((session) => session.id),
    sessions,
    signInId: i % 2 === 0 ? id("sia_") : null,
    signUpId: i % 5 === 0 ? id("sua_") : null,
    lastActiveSessionId: active?.id ?? null,
    lastAuthenticationStrategy: sessionCount === 0 ? null : pick(strategies),
    updatedAt: createdAt + 120_000,
    createdAt
  }
}
