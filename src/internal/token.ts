/**
 * Client tokens for the emulator: compact HS256 JWTs with the claims `{ iss, id, iat, exp }`, signed with WebCrypto
 * so the emulator runs wherever `globalThis.crypto` does (Node 20, Bun, Deno, workers).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Encoding from "effect/Encoding"
import * as Predicate from "effect/Predicate"

export const issuer = "effect-clerk-emulator"

export interface Signer {
  readonly sign: (claims: Claims) => Effect.Effect<string>
  readonly verify: (token: string, nowSeconds: number) => Effect.Effect<Either.Either<Claims, TokenProblem>>
}

interface Claims {
  readonly iss: string
  /** The client id. */
  readonly id: string
  readonly iat: number
  readonly exp: number
}

type TokenProblem = "malformed" | "signature" | "expired"

const header = Encoding.encodeBase64Url(JSON.stringify({ alg: "HS256", typ: "JWT" }))
const encoder = new TextEncoder()

export const makeSigner = (secret: string): Effect.Effect<Signer> =>
  Effect.map(
    Effect.promise(() =>
      globalThis.crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
        "sign",
        "verify"
      ])
    ),
    (key): Signer => ({
      sign: (claims) => {
        const signed = `${header}.${Encoding.encodeBase64Url(JSON.stringify(claims))}`
        return Effect.map(
          Effect.promise(() => globalThis.crypto.subtle.sign("HMAC", key, encoder.encode(signed))),
          (signature) => `${signed}.${Encoding.encodeBase64Url(new Uint8Array(signature))}`
        )
      },
      verify: (token, nowSeconds) => {
        const parts = token.split(".")
        if (parts.length !== 3 || parts[0] !== header) return Effect.succeed(Either.left("malformed"))
        const [, payload = "", signature = ""] = parts
        const signatureBytes = Encoding.decodeBase64Url(signature)
        const claims = Either.flatMap(Encoding.decodeBase64UrlString(payload), parseClaims)
        if (Either.isLeft(signatureBytes) || Either.isLeft(claims)) return Effect.succeed(Either.left("malformed"))
        return Effect.map(
          Effect.promise(() =>
            globalThis.crypto.subtle.verify(
              "HMAC",
              key,
              new Uint8Array(signatureBytes.right),
              encoder.encode(`${header}.${payload}`)
            )
          ),
          (valid): Either.Either<Claims, TokenProblem> =>
            !valid
              ? Either.left("signature")
              : claims.right.exp <= nowSeconds
              ? Either.left("expired")
              : Either.right(claims.right)
        )
      }
    })
  )

const parseClaims = (text: string): Either.Either<Claims, unknown> =>
  Either.flatMap(
    Either.try(() => JSON.parse(text)),
    (json: unknown) =>
      Predicate.hasProperty(json, "iss") && typeof json.iss === "string" &&
        Predicate.hasProperty(json, "id") && typeof json.id === "string" &&
        Predicate.hasProperty(json, "iat") && typeof json.iat === "number" &&
        Predicate.hasProperty(json, "exp") && typeof json.exp === "number"
        ? Either.right({ iss: json.iss, id: json.id, iat: json.iat, exp: json.exp })
        : Either.left("claims")
  )
