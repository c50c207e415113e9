/** Hardening and secrets through the Effect 4 face's Promise API: the suite both faces run (test/shared/hardening.ts). */
import { describe, expect, it } from "@effect/vitest"
import { ClerkClients, ClerkError } from "effect-clerk/v4"
import { hardening } from "../test/shared/hardening.js"

hardening({ describe, it, expect }, {
  name: "Effect 4 face",
  make: ClerkClients.make,
  isClientsError: ClerkError.isClientsError
})
