/**
 * The Effect 4 face's Schemas, built from the core's wire descriptions (`core/wire.ts`), and the decoder each
 * endpoint runs: the core's compiled decoder, with the Schema behind it for the errors.
 *
 * `SchemaOf` says, type by type, what `schemaOf` builds, so the published Schemas keep precise types while being
 * written once, in the core.
 *
 * @internal
 */
import type * as Brand from "effect/Brand"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaTransformation from "effect/SchemaTransformation"
import * as Decode from "../../core/decode.js"
import * as Wire from "../../core/wire.js"

/** What each brand's unknown value is on this face: a string branded with Effect 4's `Brand`. */
type Brands = { readonly [B in Wire.BrandName]: string & Brand.Brand<B> }

/** The decoded type of shape `S`: what Effect 4's Schema for it decodes to. */
export type TypeOf<S> = Wire.TypeOf<S, Brands>

/** The wire type of shape `S`: what Effect 4's Schema for it encodes to. */
export type EncodedOf<S> = Wire.EncodedOf<S>

/** The Schema of shape `S`: decodes wire JSON to `TypeOf<S>`, needing no services. */
export interface SchemaOf<S> extends Schema.Codec<TypeOf<S>, EncodedOf<S>> {}

/** What `build` returns: a schema that needs no services (each node is made of such schemas). */
type Built = Schema.Codec<unknown, unknown, never, never>

/** The Schema of `shape`, built once (the same instance for the same description). */
export function schemaOf<S>(shape: S & Wire.Shape): SchemaOf<S>
// `build` returns, node by node, the Schema `SchemaOf` names; the overload states that once, here.
export function schemaOf<S>(shape: S & Wire.Shape): unknown {
  return schemaFor(shape)
}

const schemaFor: (shape: Wire.Shape) => Built = Wire.perShape((shape) => build(shape))

/** Effect 4 takes a brand's name as a literal type only: one case per brand the descriptions use. */
const brandOf = (brand: Wire.BrandName) => {
  switch (brand) {
    case Wire.unknownSessionStatusBrand:
      return Schema.String.pipe(Schema.brand(Wire.unknownSessionStatusBrand))
  }
}

const count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

const build = (shape: Wire.Shape): Built => {
  switch (shape._tag) {
    case "String":
      return Schema.String
    case "Boolean":
      return Schema.Boolean
    case "Int":
      return Schema.Int
    case "Count":
      return count
    case "Unknown":
      return Schema.Unknown
    case "Literal":
      return Schema.Literal(shape.value)
    case "OpenEnum":
      return Schema.Union([Schema.Literals(shape.known), brandOf(shape.brand)])
    case "NullOr":
      return Schema.NullOr(schemaFor(shape.of))
    case "Array":
      return Schema.Array(schemaFor(shape.of))
    case "Record":
      return Schema.Record(Schema.String, schemaFor(shape.of))
    case "Struct": {
      const fields: Record<string, Built | Schema.optionalKey<Built>> = {}
      const renames: Record<string, string> = {}
      for (const [name, field] of Object.entries(shape.fields)) {
        const schema = schemaFor(field.shape)
        fields[name] = field.optional ? Schema.optionalKey(schema) : schema
        const key = Wire.wireKey(name, field)
        if (key !== name) renames[name] = key
      }
      const struct = Schema.Struct(fields)
      const annotations = { identifier: shape.identifier }
      return Object.keys(renames).length === 0
        ? struct.annotate(annotations)
        : struct.pipe(Schema.encodeKeys(renames)).annotate(annotations)
    }
    case "Page": {
      const item = schemaFor(shape.item)
      const paginated = Schema.Struct({ data: Schema.Array(item), totalCount: count }).pipe(
        Schema.encodeKeys({ totalCount: "total_count" })
      )
      const bare = Schema.Array(item).pipe(
        Schema.decodeTo(
          Schema.Struct({ data: Schema.Array(Schema.toType(item)) }),
          SchemaTransformation.transform({
            decode: (data: ReadonlyArray<unknown>) => ({ data }),
            encode: ({ data }: { readonly data: ReadonlyArray<unknown> }) => data
          })
        )
      ).annotate({ identifier: `${shape.item.identifier}Array` })
      return Schema.Union([paginated, bare]).annotate({ identifier: shape.identifier })
    }
  }
}

/** A decoder of wire JSON to `TypeOf<S>`, failing with the Schema's error. */
export interface DecoderOf<S> {
  (input: unknown): Result.Result<TypeOf<S>, Schema.SchemaError>
}

/**
 * The decoder of `shape`: the core's compiled decoder, and on the input it rejects, the Schema's
 * `decodeUnknownResult`, so a failure carries the Schema's own error.
 */
export function decoderOf<S>(
  shape: S & Wire.Shape
): DecoderOf<S>
// The compiled decoder returns what the Schema returns for the same description (test-v4's decode test checks it);
// the overload states that once, here.
export function decoderOf<S>(shape: S & Wire.Shape): unknown {
  const slow = Schema.decodeUnknownResult(schemaFor(shape))
  const fast = Decode.compile(shape)
  return (input: unknown): Result.Result<unknown, Schema.SchemaError> => {
    const value = fast(input)
    return value === Decode.rejected ? slow(input) : Result.succeed(value)
  }
}
