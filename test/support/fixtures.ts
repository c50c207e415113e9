/**
 * Wire-format (snake_case) Clerk objects, shaped like the spec says, for scripted replies.
 */
export const activity = {
  object: "session_activity",
  id: "sess_act_1",
  is_mobile: true,
  device_type: "iPhone",
  browser_name: "Safari",
  browser_version: "18.1",
  ip_address: "203.0.113.9",
  city: "Lisbon",
  country: "PT"
}

/** Every optional field present, with a value. */
export const fullSession = {
  object: "session",
  id: "sess_full",
  user_id: "user_1",
  client_id: "client_full",
  actor: { sub: "user_admin", iss: "https://dashboard.clerk.com" },
  status: "active",
  last_active_organization_id: "org_1",
  last_active_at: 1_764_000_000_000,
  latest_activity: activity,
  expire_at: 1_764_600_000_000,
  abandon_at: 1_766_600_000_000,
  updated_at: 1_764_000_000_500,
  created_at: 1_763_000_000_000,
  tasks: [{ key: "choose-organization" }]
}

/** Every optional field present, as null. */
export const nullSession = {
  ...fullSession,
  id: "sess_null",
  actor: null,
  status: "pending",
  last_active_organization_id: null,
  latest_activity: null,
  tasks: null
}

/** Every optional field absent. */
export const { actor: _a, last_active_organization_id: _o, latest_activity: _l, tasks: _t, ...bareSession } = {
  ...fullSession,
  id: "sess_bare",
  status: "revoked"
}

export const client = (id = "client_full", overrides: Record<string, unknown> = {}) => ({
  object: "client",
  id,
  session_ids: ["sess_full", "sess_null", "sess_bare"],
  sessions: [fullSession, nullSession, bareSession],
  sign_in_id: "sia_1",
  sign_up_id: null,
  last_active_session_id: "sess_full",
  last_authentication_strategy: "oauth_google",
  updated_at: 1_764_000_001_000,
  created_at: 1_763_000_000_000,
  ...overrides
})

export const clerkErrors = (status: number, code: string, extra: Record<string, unknown> = {}) => ({
  errors: [{
    code,
    message: `${code} message`,
    long_message: `${code} long message (status ${status})`,
    meta: { param_name: "limit" }
  }],
  meta: { request: "r1" },
  clerk_trace_id: `trace_${status}`,
  ...extra
})
