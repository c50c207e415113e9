/**
 * Base64url without padding (RFC 4648 §5), as JWTs use it: over bytes, on any runtime with `btoa`/`atob`.
 */

const encoder = new TextEncoder()

/** The bytes (or the UTF-8 of the text) as unpadded base64url. */
export const encode = (input: Uint8Array | string): string => {
  const bytes = typeof input === "string" ? encoder.encode(input) : input
  let binary = ""
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!)
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
}

/** The bytes of unpadded (or padded) base64url, or `undefined` when the text is not base64url. */
export const decode = (text: string): Uint8Array<ArrayBuffer> | undefined => {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text) || text.replace(/=+$/, "").length % 4 === 1) return undefined
  const base64 = text.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/")
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4))
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/** The UTF-8 text of base64url, or `undefined` when it is not base64url or not UTF-8. */
export const decodeText = (text: string): string | undefined => {
  const bytes = decode(text)
  if (bytes === undefined) return undefined
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes)
  } catch {
    return undefined
  }
}
