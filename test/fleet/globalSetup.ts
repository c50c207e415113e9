import { redisServerPath } from "./redis.js"

/** Fails the whole run, with the reason, before any test when redis-server is missing. */
export default function setup() {
  redisServerPath()
}
