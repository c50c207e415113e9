/** Hardening and secrets through the Effect 3 face's Promise API: the suite both faces run (test/shared/hardening.ts). */
import { describe, expect, it } from "@effect/vitest"
import { ClerkClients, ClerkError } from "../src/index.js"
import { hardening } from "./shared/hardening.js"

hardening({ describe, it, expect }, {
  name: "Effect 3 face",
  make: ClerkClients.make,
  isClientsError: ClerkError.isClientsError
})
