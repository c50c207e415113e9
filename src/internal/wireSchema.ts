/**
 * The root face's Schemas, built from the core's wire descriptions (`core/wire.ts`), and the decoder each endpoint
 * runs: the core's compiled decoder, with the Schema behind it for the errors.
 *
 * `SchemaOf` says, type by type, what `schemaOf` builds, so the published Schemas keep their precise `Struct` types
 * (`Client.Client.fields`, `Schema.Schema.Type<typeof Client.Session>`) while being written once, in the core.
 *
 * @internal
 */
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Decode from "../core/decode.js"
import * as Wire from "../core/wire.js"

/** The Schema `schemaOf` builds for shape `S`. */
export type SchemaOf<S> = S extends Wire.StringShape ? typeof Schema.String
  : S extends Wire.BooleanShape ? typeof Schema.Boolean
  : S extends Wire.IntShape ? typeof Schema.Int
  : S extends Wire.CountShape ? typeof Schema.NonNegativeInt
  : S extends Wire.UnknownShape ? typeof Schema.Unknown
  : S extends Wire.LiteralShape<infer V> ? Schema.Literal<[V]>
  : S extends Wire.OpenEnumShape<infer K, infer B>
    ? Schema.Union<[Schema.Literal<K>, Schema.brand<typeof Schema.String, B>]>
  : S extends Wire.NullOrShape<infer T> ? Schema.NullOr<SchemaOf<T>>
  : S extends Wire.ArrayShape<infer T> ? Schema.Array$<SchemaOf<T>>
  : S extends Wire.RecordShape<infer T> ? Schema.Record$<typeof Schema.String, SchemaOf<T>>
  : S extends Wire.StructShape<infer F> ? Schema.Struct<{ -readonly [N in keyof F]: FieldOf<F[N]> }>
  : S extends Wire.PageShape<infer I> ? Schema.Union<[
      Schema.Struct<{
        data: Schema.Array$<SchemaOf<I>>
        totalCount: Schema.PropertySignature<":", number, "total_count", ":", number, false, never>
      }>,
      Schema.transform<
        Schema.Array$<SchemaOf<I>>,
        Schema.Struct<{ data: Schema.Array$<Schema.SchemaClass<Schema.Schema.Type<SchemaOf<I>>>> }>
      >
    ]>
  : never

/** A field: its shape's Schema, made optional (exact: absent, never `undefined`) and renamed as the wire says. */
type FieldOf<F> = F extends Wire.Field<infer S, infer K, infer O> ? K extends string ? Schema.PropertySignature<
      O extends true ? "?:" : ":",
      Schema.Schema.Type<SchemaOf<S>>,
      K,
      O extends true ? "?:" : ":",
      Schema.Schema.Encoded<SchemaOf<S>>,
      false,
      never
    >
  : O extends true ? Schema.optionalWith<SchemaOf<S>, { exact: true }>
  : SchemaOf<S>
  : never

/** The Schema of `shape`, built once (the same instance for the same description). */
export function schemaOf<S extends Wire.Shape>(shape: S): SchemaOf<S>
// `build` returns, node by node, the Schema `SchemaOf` names; the overload states that once, here.
export function schemaOf(shape: Wire.Shape): Schema.Schema.AnyNoContext {
  return schemaFor(shape)
}

const schemaFor: (shape: Wire.Shape) => Schema.Schema.AnyNoContext = Wire.perShape((shape) => build(shape))

const build = (shape: Wire.Shape): Schema.Schema.AnyNoContext => {
  switch (shape._tag) {
    case "String":
      return Schema.String
    case "Boolean":
      return Schema.Boolean
    case "Int":
      return Schema.Int
    case "Count":
      return Schema.NonNegativeInt
    case "Unknown":
      return Schema.Unknown
    case "Literal":
      return Schema.Literal(shape.value)
    case "OpenEnum":
      return Schema.Union(Schema.Literal(...shape.known), Schema.String.pipe(Schema.brand(shape.brand)))
    case "NullOr":
      return Schema.NullOr(schemaFor(shape.of))
    case "Array":
      return Schema.Array(schemaFor(shape.of))
    case "Record":
      return Schema.Record({ key: Schema.String, value: schemaFor(shape.of) })
    case "Struct": {
      const fields: Record<string, ReturnType<typeof fieldFor>> = {}
      for (const [name, field] of Object.entries(shape.fields)) fields[name] = fieldFor(name, field)
      return Schema.Struct(fields).annotations({ identifier: shape.identifier })
    }
    case "Page": {
      const item = schemaFor(shape.item)
      const paginated = Schema.Struct({
        data: Schema.Array(item),
        totalCount: Schema.propertySignature(Schema.NonNegativeInt).pipe(Schema.fromKey("total_count"))
      })
      const bare = Schema.transform(
        Schema.Array(item),
        Schema.Struct({ data: Schema.Array(Schema.typeSchema(item)) }),
        {
          strict: true,
          decode: (data) => ({ data }),
          encode: ({ data }) => data
        }
      ).annotations({ identifier: `${shape.item.identifier}Array` })
      return Schema.Union(paginated, bare).annotations({ identifier: shape.identifier })
    }
  }
}

const fieldFor = (name: string, field: Wire.Field) => {
  const schema = schemaFor(field.shape)
  const key = Wire.wireKey(name, field)
  if (field.optional) {
    const optional = Schema.optionalWith(schema, { exact: true })
    return key === name ? optional : optional.pipe(Schema.fromKey(key))
  }
  return key === name ? schema : Schema.propertySignature(schema).pipe(Schema.fromKey(key))
}

/**
 * The decoder of `shape`: the core's compiled decoder, and on the input it rejects, the Schema's
 * `decodeUnknownEither` (unknown fields ignored), so a failure carries the Schema's own error.
 */
export function decoderOf<S extends Wire.Shape>(
  shape: S
): (input: unknown) => Either.Either<Schema.Schema.Type<SchemaOf<S>>, ParseResult.ParseError>
// The compiled decoder returns what the Schema returns for the same description (test/decode.test.ts checks it);
// the overload states that once, here.
export function decoderOf(shape: Wire.Shape): (input: unknown) => Either.Either<unknown, ParseResult.ParseError> {
  const slow = Schema.decodeUnknownEither(schemaFor(shape), { onExcessProperty: "ignore" })
  const fast = Decode.compile(shape)
  return (input) => {
    const value = fast(input)
    return value === Decode.rejected ? slow(input) : Either.right(value)
  }
}
