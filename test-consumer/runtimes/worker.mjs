// workerd: the same program inside a Worker's fetch handler (no nodejs_compat).
import { main } from "./program.mjs"

export default {
  async fetch(_request, env) {
    return Response.json(await main(env.API_URL, env.SECRET_KEY))
  }
}
