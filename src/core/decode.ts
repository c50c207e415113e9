/**
 * The decoder both faces run on a reply's JSON: compiled once from a wire description (`core/wire.ts`) into plain
 * functions, it checks what the face's Schema checks and returns what the Schema returns (camelCase keys in declared
 * order, unknown wire fields dropped), without Schema's bookkeeping. When it rejects a value, the face runs its
 * Schema on it, so every error, with its path, is the Schema's own. `test/decode.test.ts` (and its Effect 4 twin)
 * check both on generated and mutated clients.
 *
 * Struct decoders are generated code where the runtime allows `new Function`: each field is read and written under
 * its own literal name, so V8 compiles monomorphic property accesses instead of keyed lookups. Where it does not
 * (Cloudflare Workers), the same decoders are closures.
 */
import type { Field, Shape, StructShape, TypeOf } from "./wire.js"
import { wireKey } from "./wire.js"

/** What a compiled decoder returns for input it rejects. */
export const rejected: unique symbol = Symbol("effect-clerk/decode/rejected")

export type Decoder = (input: unknown) => unknown

export interface CompileOptions {
  /** `false` builds closures only, as on runtimes that forbid `new Function`; default: generated code where allowed. */
  readonly codegen?: boolean
}

/** The decoder of `shape`: its decoded value, or `rejected`. */
export const compile = (shape: Shape, options: CompileOptions = {}): Decoder =>
  compileWith(shape, options.codegen !== false && codegen)

/** `compile`, typed: the decoder returns `TypeOf<S>` (open enums as plain strings), or `rejected`. */
export function decoderFor<S>(shape: S & Shape): (input: unknown) => TypeOf<S> | typeof rejected
// The compiled decoder returns, node by node, the value `TypeOf` describes (test/decode.test.ts and its Effect 4 twin
// check it against each face's Schema); the overload states that once, here.
export function decoderFor<S>(shape: S & Shape): unknown {
  return compile(shape)
}

const isObject = (u: unknown): u is object => typeof u === "object" && u !== null && !Array.isArray(u)

const compileWith = (shape: Shape, generate: boolean): Decoder => {
  switch (shape._tag) {
    case "String":
    case "OpenEnum":
      return (u) => (typeof u === "string" ? u : rejected)
    case "Boolean":
      return (u) => (typeof u === "boolean" ? u : rejected)
    case "Int":
      return (u) => (typeof u === "number" && Number.isSafeInteger(u) ? u : rejected)
    case "Count":
      return (u) => (typeof u === "number" && Number.isSafeInteger(u) && u >= 0 ? u : rejected)
    case "Unknown":
      return (u) => u
    case "Literal": {
      const value = shape.value
      return (u) => (u === value ? u : rejected)
    }
    case "NullOr": {
      const of = compileWith(shape.of, generate)
      return (u) => (u === null ? u : of(u))
    }
    case "Array":
      return arrayOf(compileWith(shape.of, generate))
    case "Record": {
      const of = compileWith(shape.of, generate)
      return (u) => {
        if (!isObject(u)) return rejected
        const out: Record<string, unknown> = {}
        for (const key of Object.keys(u)) {
          const value = of(Reflect.get(u, key))
          if (value === rejected) return rejected
          out[key] = value
        }
        return out
      }
    }
    case "Struct":
      return compileStruct(shape, generate)
    case "Page": {
      const items = arrayOf(compileStruct(shape.item, generate))
      return (u) => {
        if (Array.isArray(u)) {
          const data = items(u)
          return data === rejected ? rejected : { data }
        }
        if (!isObject(u) || !Object.hasOwn(u, "data") || !Object.hasOwn(u, "total_count")) return rejected
        const data = items(Reflect.get(u, "data"))
        const totalCount: unknown = Reflect.get(u, "total_count")
        if (
          data === rejected || typeof totalCount !== "number" || !Number.isSafeInteger(totalCount) || totalCount < 0
        ) {
          return rejected
        }
        return { data, totalCount }
      }
    }
  }
}

const arrayOf = (item: Decoder): Decoder => (u) => {
  if (!Array.isArray(u)) return rejected
  const out = new Array<unknown>(u.length)
  for (let i = 0; i < u.length; i++) {
    const value = item(u[i])
    if (value === rejected) return rejected
    out[i] = value
  }
  return out
}

interface CompiledField {
  readonly name: string
  readonly key: string
  readonly field: Field
  readonly decode: Decoder
}

const compileStruct = (shape: StructShape, generate: boolean): Decoder => {
  const fields: Array<CompiledField> = Object.entries(shape.fields).map(([name, field]) => ({
    name,
    key: wireKey(name, field),
    field,
    decode: compileWith(field.shape, generate)
  }))
  return (generate ? generatedStruct(fields) : undefined) ?? closureStruct(fields)
}

const closureStruct = (fields: ReadonlyArray<CompiledField>): Decoder => (u) => {
  if (!isObject(u)) return rejected
  const out: Record<string, unknown> = {}
  for (let i = 0; i < fields.length; i++) {
    const { decode, field, key, name } = fields[i]!
    if (!Object.hasOwn(u, key)) {
      if (field.optional) continue
      return rejected
    }
    const value = decode(Reflect.get(u, key))
    if (value === rejected) return rejected
    out[name] = value
  }
  return out
}

const generatedStruct = (fields: ReadonlyArray<CompiledField>): Decoder | undefined => {
  const lines = [
    "return function (u) {",
    "if (typeof u !== \"object\" || u === null || Array.isArray(u)) return R",
    "var out = {}, v"
  ]
  fields.forEach(({ field, key, name }, i) => {
    const from = JSON.stringify(key)
    const to = JSON.stringify(name)
    const check = inlineCheck(field.shape)
    const read = check === undefined
      ? [`v = d[${i}](u[${from}])`, "if (v === R) return R", `out[${to}] = v`]
      : [`v = u[${from}]`, `if (${check}) return R`, `out[${to}] = v`]
    lines.push(
      field.optional
        ? `if (has.call(u, ${from})) { ${read.join("; ")} }`
        : `if (!has.call(u, ${from})) return R; ${read.join("; ")}`
    )
  })
  lines.push("return out", "}")
  const decoder = generated(lines.join("\n"), [rejected, Object.prototype.hasOwnProperty, fields.map((f) => f.decode)])
  return isDecoder(decoder) ? decoder : undefined
}

/** A condition on `v` that rejects it, for shapes simple enough to check in place (else `undefined`). */
const inlineCheck = (shape: Shape): string | undefined => {
  switch (shape._tag) {
    case "String":
    case "OpenEnum":
      return "typeof v !== \"string\""
    case "Boolean":
      return "typeof v !== \"boolean\""
    case "Int":
      return "typeof v !== \"number\" || !Number.isSafeInteger(v)"
    case "Count":
      return "typeof v !== \"number\" || !Number.isSafeInteger(v) || v < 0"
    case "Literal":
      return `v !== ${JSON.stringify(shape.value)}`
    case "NullOr": {
      const of = inlineCheck(shape.of)
      return of === undefined ? undefined : `v !== null && (${of})`
    }
    default:
      return undefined
  }
}

/** The generated source returns a one-argument function by construction; this names that for the type checker. */
const isDecoder = (u: unknown): u is Decoder => typeof u === "function" && u.length === 1

/** Runs generated code with `R`, `has` and `d` bound to `args`; `undefined` where code generation is barred. */
const generated = (body: string, args: ReadonlyArray<unknown>): unknown => {
  try {
    return Reflect.apply(new Function("R", "has", "d", body), undefined, args)
  } catch {
    return undefined
  }
}

/** Whether this runtime allows `new Function` (Workers do not): checked once. */
const codegen = generated("return function (u) { return u }", []) !== undefined
