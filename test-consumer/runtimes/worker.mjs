// workerd: the same program inside a Worker's fetch handler (no nodejs_compat), on the root face.
import * as face from "effect-clerk"
import { main } from "./program.mjs"

export default {
  async fetch(_request, env) {
    return Response.json(await main(face, env.API_URL, env.SECRET_KEY))
  }
}
