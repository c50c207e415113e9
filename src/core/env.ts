/**
 * Reading the `CLERK_*` variables from an environment object, on any runtime: `process.env` by default, or what the
 * caller passes (a Worker's bindings). Only the wanted names are touched (Deno asks permission per variable), and a
 * property that cannot be read (a permission, a hostile proxy) is absent.
 */

/** The wanted variables that are set, as text (a Worker's `[vars]` may hold a number: `CLERK_TIMEOUT = 5000`). */
export const read = (env: unknown, wanted: ReadonlyArray<string>): Record<string, string> => {
  const out: Record<string, string> = {}
  if (wanted.length === 0) return out
  const source = env ?? property(property(globalThis, "process"), "env")
  for (const name of wanted) {
    const value = property(source, name)
    if (typeof value === "string") out[name] = value
    else if (typeof value === "number") out[name] = String(value)
  }
  return out
}

const property = (source: unknown, key: string): unknown => {
  if ((typeof source !== "object" && typeof source !== "function") || source === null) return undefined
  try {
    return Reflect.get(source, key)
  } catch {
    return undefined
  }
}
