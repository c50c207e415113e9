/**
 * Which route a request is for. The API's routes are the endpoint table's (src/core/endpoints.ts) below `/v1`; the
 * admin routes are below `/__emulator/`. A path that is almost right gets a 404 that says how to fix it.
 */
import { type Endpoints, match, type Name } from "../endpoints.js"

/** The version segment of Clerk's API, which Clerk's SDKs add to the base URL themselves. */
export const versionPrefix = "/v1"

export const adminPrefix = "/__emulator/"

export type Route =
  | { readonly _tag: "Admin" }
  | { readonly _tag: "Endpoint"; readonly endpoint: Endpoints[Name]; readonly params: Record<string, string> }
  | { readonly _tag: "NotFound"; readonly longMessage: string }
  | { readonly _tag: "MethodNotAllowed"; readonly allowed: ReadonlyArray<string> }
  /** A path that is not valid percent-encoding. */
  | { readonly _tag: "BadPath" }

const noSuchRoute = "No such route."

export const doubledVersion = "No such route: the path has /v1 twice. The base URL already ends in /v1, and Clerk's " +
  "SDKs add /v1 themselves: give them the emulator's origin, without /v1."

export const route = (method: string, pathname: string): Route => {
  if (pathname.startsWith(adminPrefix)) return { _tag: "Admin" }
  try {
    decodeURIComponent(pathname)
  } catch {
    return { _tag: "BadPath" }
  }
  if (!pathname.startsWith(`${versionPrefix}/`)) {
    // `/clients` instead of `/v1/clients`: a base URL that lost its version, said plainly.
    const unversioned = match(method, pathname)
    return {
      _tag: "NotFound",
      longMessage: unversioned._tag === "NotFound"
        ? noSuchRoute
        : `No such route: Clerk's API is below /v1 (${versionPrefix}${pathname}).`
    }
  }
  const below = pathname.slice(versionPrefix.length)
  if (below === versionPrefix || below.startsWith(`${versionPrefix}/`)) {
    return { _tag: "NotFound", longMessage: doubledVersion }
  }
  const found = match(method, below)
  switch (found._tag) {
    case "Found":
      return { _tag: "Endpoint", endpoint: found.endpoint, params: found.params }
    case "MethodNotAllowed":
      return { _tag: "MethodNotAllowed", allowed: found.allowed }
    case "NotFound":
      return { _tag: "NotFound", longMessage: noSuchRoute }
  }
}
