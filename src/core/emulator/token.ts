/**
 * Client tokens for the emulator: compact HS256 JWTs with the claims `{ iss, id, iat, exp }`, signed with WebCrypto
 * so the emulator runs wherever `globalThis.crypto` does (Node 20, Bun, Deno, workers).
 */
import * as Base64Url from "./base64url.js"

export const issuer = "effect-clerk-emulator"

export interface Claims {
  readonly iss: string
  /** The client id. */
  readonly id: string
  readonly iat: number
  readonly exp: number
}

export type TokenProblem = "malformed" | "signature" | "expired"

export type Verified =
  | { readonly ok: true; readonly claims: Claims }
  | { readonly ok: false; readonly problem: TokenProblem }

export interface Signer {
  readonly sign: (claims: Claims) => Promise<string>
  /** The token's claims if this signer signed it and it has not expired at `nowSeconds`, else why not. */
  readonly verify: (token: string, nowSeconds: number) => Promise<Verified>
}

const header = Base64Url.encode(JSON.stringify({ alg: "HS256", typ: "JWT" }))
const encoder = new TextEncoder()

export const makeSigner = async (secret: string): Promise<Signer> => {
  const key = await globalThis.crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"]
  )
  return {
    sign: async (claims) => {
      const signed = `${header}.${Base64Url.encode(JSON.stringify(claims))}`
      const signature = await globalThis.crypto.subtle.sign("HMAC", key, encoder.encode(signed))
      return `${signed}.${Base64Url.encode(new Uint8Array(signature))}`
    },
    verify: async (token, nowSeconds) => {
      const parts = token.split(".")
      if (parts.length !== 3 || parts[0] !== header) return { ok: false, problem: "malformed" }
      const [, payload = "", signature = ""] = parts
      const signatureBytes = Base64Url.decode(signature)
      const claims = parseClaims(Base64Url.decodeText(payload))
      if (signatureBytes === undefined || claims === undefined) return { ok: false, problem: "malformed" }
      const valid = await globalThis.crypto.subtle.verify(
        "HMAC",
        key,
        signatureBytes,
        encoder.encode(`${header}.${payload}`)
      )
      if (!valid) return { ok: false, problem: "signature" }
      return claims.exp <= nowSeconds ? { ok: false, problem: "expired" } : { ok: true, claims }
    }
  }
}

/** How long a minted token lives when no lifetime is asked for: an hour. */
export const defaultLifetimeSeconds = 3600

/** Claims valid from `nowMillis` for `expiresInSeconds` (negative: already expired). */
export const claimsFor = (clientId: string, nowMillis: number, expiresInSeconds: number): Claims => {
  const iat = Math.floor(nowMillis / 1000)
  return { iss: issuer, id: clientId, iat, exp: iat + Math.round(expiresInSeconds) }
}

const parseClaims = (text: string | undefined): Claims | undefined => {
  if (text === undefined) return undefined
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof json !== "object" || json === null || !("iss" in json && "id" in json && "iat" in json && "exp" in json)) {
    return undefined
  }
  const { iss, id, iat, exp } = json
  return typeof iss === "string" && typeof id === "string" && typeof iat === "number" && typeof exp === "number"
    ? { iss, id, iat, exp }
    : undefined
}
