/**
 * The clients an emulator (or the in-memory test layer) serves: newest first, indexed by id, generated
 * deterministically from a seed or loaded from data.
 *
 * A store holds any client type with an id and a creation time (each face stores its own decoded `Client`); the
 * generator makes plain objects of the same shape (`Generated`), which each face's `Client` type accepts.
 */

/** What a store needs of a client. */
export interface Stored {
  readonly id: string
  readonly createdAt: number
}

/** The clients a server answers with, newest first. */
export interface Store<C extends Stored> {
  readonly size: number
  /** Clients `offset` to `offset + limit`, newest first, as `GET /v1/clients` pages them. */
  readonly page: (offset: number, limit: number) => ReadonlyArray<C>
  readonly get: (id: string) => C | undefined
  /** Every client (materialised on demand for a generated store). */
  readonly all: () => ReadonlyArray<C>
}

/** A generated session's latest activity (the domain's `SessionActivity`, camelCase). */
export interface GeneratedActivity {
  readonly object: "session_activity"
  readonly id: string
  readonly isMobile: boolean
  readonly deviceType: string
  readonly browserName: string
  readonly browserVersion: string
  readonly ipAddress: string
  readonly city?: string
  readonly country?: string
}

/** A generated session: its optional fields are set, set to `null`, or absent, in turn. */
export interface GeneratedSession<S extends string> {
  readonly object: "session"
  readonly id: string
  readonly userId: string
  readonly clientId: string
  readonly status: S
  readonly lastActiveAt: number
  readonly expireAt: number
  readonly abandonAt: number
  readonly updatedAt: number
  readonly createdAt: number
  readonly actor?: { readonly sub: string; readonly iss: string } | null
  readonly lastActiveOrganizationId?: string | null
  readonly latestActivity?: GeneratedActivity | null
  readonly tasks?: ReadonlyArray<{ readonly key: string }> | null
}

/** A generated client, with session statuses drawn from `S`. */
export interface Generated<S extends string> {
  readonly object: "client"
  readonly id: string
  readonly sessionIds: ReadonlyArray<string>
  readonly sessions: ReadonlyArray<GeneratedSession<S>>
  readonly signInId: string | null
  readonly signUpId: string | null
  readonly lastActiveSessionId: string | null
  readonly lastAuthenticationStrategy: string | null
  readonly updatedAt: number
  readonly createdAt: number
}

/** A store over given clients, sorted newest first. */
export const fromClients = <C extends Stored>(clients: Iterable<C>): Store<C> => {
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
export const generated = <S extends string>(
  count: number,
  seed: number,
  statuses: ReadonlyArray<S>
): Store<Generated<S>> => {
  let materialised: ReadonlyArray<Generated<S>> | undefined
  return {
    size: count,
    page: (offset, limit) => {
      const out: Array<Generated<S>> = []
      for (let i = offset; i < Math.min(count, offset + limit); i++) out.push(generateOne(seed, i, statuses))
      return out
    },
    get: (id) => {
      const index = indexOf(id)
      if (index === undefined || index >= count) return undefined
      const client = generateOne(seed, index, statuses)
      return client.id === id ? client : undefined
    },
    all: () => (materialised ??= generate(count, seed, statuses))
  }
}

/** A store that can also gain clients, newest first in front of the others (sign-ups during a run). */
export interface GrowingStore<C extends Stored> extends Store<C> {
  /** Adds `count` clients created at `now` (epoch millis), in front: every offset shifts by `count`. */
  readonly create: (count: number, now: number) => ReadonlyArray<C>
}

/** `base`, plus the clients `create` adds: generated ones, with statuses from `statuses`. */
export const growing = <C extends Stored, S extends string>(
  base: Store<C>,
  seed: number,
  statuses: ReadonlyArray<S>
): GrowingStore<C | Generated<S>> => {
  const created: Array<Generated<S>> = []
  const byId = new Map<string, Generated<S>>()
  return {
    get size() {
      return created.length + base.size
    },
    page: (offset, limit) => {
      const front = created.slice(offset, offset + limit)
      if (front.length === limit) return front
      return [...front, ...base.page(Math.max(0, offset - created.length), limit - front.length)]
    },
    get: (id) => byId.get(id) ?? base.get(id),
    all: () => [...created, ...base.all()],
    create: (count, now) => {
      const fresh: Array<Generated<S>> = []
      for (let k = 0; k < count; k++) {
        const n = created.length + k
        const template = generateOne(seed ^ 0x5eed, n, statuses)
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

const newestFirst = (a: Stored, b: Stored): number =>
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
export const generate = <S extends string>(
  count: number,
  seed: number,
  statuses: ReadonlyArray<S>
): Array<Generated<S>> => Array.from({ length: count }, (_, i) => generateOne(seed, i, statuses))

/** Client `i` of the store seeded with `seed`: newest first, so `createdAt` falls as `i` grows. */
const generateOne = <S extends string>(seed: number, i: number, statuses: ReadonlyArray<S>): Generated<S> => {
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
  const sessions: Array<GeneratedSession<S>> = []
  for (let s = 0; s < sessionCount; s++) {
    const variant = (i + s) % 3 // 0: optional fields set, 1: set to null, 2: absent
    const sessionCreated = createdAt + s * 1_000
    const device = pick(devices)
    const [city, country] = pick(places)
    const activity: GeneratedActivity = {
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
