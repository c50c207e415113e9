/**
 * The clients an emulator (or the in-memory test layer) serves: newest first, indexed by id, generated
 * deterministically from a seed or loaded from data.
 *
 * @internal
 */
import type { Client, Session, SessionActivity } from "../Client.js"
import { KnownSessionStatus } from "../Client.js"

export class Store {
  private readonly ordered: Array<Client>
  private readonly byId = new Map<string, Client>()

  constructor(clients: Iterable<Client>) {
    this.ordered = Array.from(clients).sort(newestFirst)
    for (const client of this.ordered) this.byId.set(client.id, client)
  }

  get size(): number {
    return this.ordered.length
  }

  /** Clients `offset` to `offset + limit`, newest first, as `GET /v1/clients` pages them. */
  page(offset: number, limit: number): ReadonlyArray<Client> {
    return this.ordered.slice(offset, offset + limit)
  }

  get(id: string): Client | undefined {
    return this.byId.get(id)
  }

  /** Adds or replaces a client, keeping the newest-first order. */
  put(client: Client): void {
    const existing = this.byId.get(client.id)
    if (existing !== undefined) this.ordered.splice(this.ordered.indexOf(existing), 1)
    this.byId.set(client.id, client)
    const at = this.ordered.findIndex((other) => newestFirst(client, other) < 0)
    this.ordered.splice(at === -1 ? this.ordered.length : at, 0, client)
  }

  all(): ReadonlyArray<Client> {
    return this.ordered
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

/**
 * `count` clients from `seed`. Statuses cycle through every known value and optional fields rotate through set, null
 * and absent, so a dozen clients already exercise the whole schema.
 */
export const generate = (count: number, seed: number): Array<Client> => {
  const random = prng(seed)
  const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(random() * items.length)]!
  const id = (prefix: string) => {
    let out = prefix
    for (let i = 0; i < 27; i++) out += alphabet[Math.floor(random() * alphabet.length)]
    return out
  }
  const clients: Array<Client> = []
  let sessionNumber = 0
  for (let i = 0; i < count; i++) {
    const clientId = id("client_")
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
        status: statuses[sessionNumber++ % statuses.length]!,
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
    clients.push({
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
    })
  }
  return clients
}
