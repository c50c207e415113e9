// workerd: the same program inside a Worker's fetch handler (no nodejs_compat), on the Effect 4 face.
import * as face from "effect-clerk/v4"
import { main } from "./program.mjs"

export default {
  async fetch(_request, env) {
    return Response.json(await main(face, env.API_URL, env.SECRET_KEY))
  }
}
