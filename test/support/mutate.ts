/**
 * Mutations of JSON values, for checking the compiled decoder against each face's Schema (test/decode.test.ts and
 * test-v4/decode.test.ts). Effect-free, so both faces' suites import it.
 */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

/** Replaces, deletes or adds one thing somewhere inside `value`, chosen by `seed`. */
export const mutate = (value: Json, seed: number, replacement: Json): Json => {
  const paths: Array<ReadonlyArray<string | number>> = []
  const walk = (v: Json, path: ReadonlyArray<string | number>) => {
    paths.push(path)
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...path, i]))
    else if (v !== null && typeof v === "object") {
      for (const [k, item] of Object.entries(v)) {
        walk(item, [...path, k])
      }
    }
  }
  walk(value, [])
  const target = paths[seed % paths.length]!
  const mode = Math.floor(seed / paths.length) % 3
  const rebuild = (v: Json, depth: number): Json => {
    if (depth === target.length) {
      return mode === 2 && v !== null && typeof v === "object" && !Array.isArray(v)
        ? { ...v, extra_key: replacement }
        : replacement
    }
    const key = target[depth]!
    if (Array.isArray(v)) return v.map((item, i) => (i === key ? rebuild(item, depth + 1) : item))
    if (v !== null && typeof v === "object") {
      const entries = Object.entries(v).flatMap(([k, item]): Array<[string, Json]> =>
        k !== key ? [[k, item]] : mode === 1 && depth === target.length - 1 ? [] : [[k, rebuild(item, depth + 1)]]
      )
      return Object.fromEntries(entries)
    }
    return v
  }
  return rebuild(value, 0)
}
