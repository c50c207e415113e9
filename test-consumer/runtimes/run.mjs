// Node, Bun and Deno: `<runtime> run.mjs <apiUrl> <secretKey>` prints the program's result as JSON.
import { main } from "./program.mjs"

const [apiUrl, secretKey] = typeof Deno === "object" ? Deno.args : process.argv.slice(2)
console.log(JSON.stringify(await main(apiUrl, secretKey)))
