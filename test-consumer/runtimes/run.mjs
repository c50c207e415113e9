// Node, Bun and Deno: `<runtime> run.mjs <apiUrl> <secretKey> [v4]` prints the program's result as JSON, on the root
// face, or with `v4` on the Effect 4 face.
import { main } from "./program.mjs"

const [apiUrl, secretKey, face] = typeof Deno === "object" ? Deno.args : process.argv.slice(2)
const module = await (face === "v4" ? import("effect-clerk/v4") : import("effect-clerk"))
console.log(JSON.stringify(await main(module, apiUrl, secretKey)))
