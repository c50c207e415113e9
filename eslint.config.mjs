// ESLint with Effect's own style: typescript-eslint's recommended rules and dprint formatting through
// @effect/eslint-plugin, configured as Effect's repository configures it (120 columns, no semicolons, double quotes).
import * as effectEslint from "@effect/eslint-plugin"
import js from "@eslint/js"
import tseslint from "typescript-eslint"

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "scratch/**", "test/spec/**", ".bench-out/**", "**/.readme*/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...effectEslint.configs.dprint,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        setImmediate: "readonly",
        performance: "readonly",
        Buffer: "readonly",
        URL: "readonly",
        fetch: "readonly",
        Response: "readonly",
        Request: "readonly",
        Headers: "readonly",
        AbortController: "readonly",
        AbortSignal: "readonly",
        TextDecoder: "readonly",
        TextEncoder: "readonly",
        Deno: "readonly",
        WeakRef: "readonly",
        structuredClone: "readonly"
      }
    },
    rules: {
      "@effect/dprint": ["error", {
        config: {
          indentWidth: 2,
          lineWidth: 120,
          semiColons: "asi",
          quoteStyle: "alwaysDouble",
          trailingCommas: "never",
          operatorPosition: "maintain",
          "arrowFunction.useParentheses": "force"
        }
      }],
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", {
        argsIgnorePattern: "^_",
        varsIgnorePattern: "^_",
        destructuredArrayIgnorePattern: "^_"
      }],
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/array-type": ["error", { default: "generic", readonly: "generic" }],
      // `interface Client extends Schema.Schema.Type<typeof Client> {}` is how Effect names a schema's type.
      "@typescript-eslint/no-empty-object-type": ["error", { allowInterfaces: "with-single-extends" }],
      "no-control-regex": "off"
    }
  },
  {
    // The Effect-free core: both Effect faces (3 and 4) import it unchanged, so it must import neither.
    files: ["src/core/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{
          group: ["effect", "effect/*", "@effect/*", "../*", "!../core/*"],
          message: "src/core is Effect-free and self-contained: import only from src/core and the runtime."
        }]
      }]
    }
  },
  {
    // A folder inside the core (src/core/emulator) imports the rest of the core as `../x.js`, and nothing above it.
    files: ["src/core/*/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{
          group: ["effect", "effect/*", "@effect/*", "../../*"],
          message: "src/core is Effect-free and self-contained: import only from src/core and the runtime."
        }]
      }]
    }
  }
)
