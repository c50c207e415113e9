/**
 * A real timer for any time limit: `Infinity` sets none, and a limit past what `setTimeout` holds (2^31-1 ms, about
 * 24.8 days; Node fires longer ones after 1 ms) is reached in steps. Returns the function that cancels it.
 * Unreferenced, so a pending limit never keeps a process alive.
 */
export const maxTimerMillis = 2 ** 31 - 1

export const startTimer = (millis: number, fire: () => void, step = maxTimerMillis): () => void => {
  if (!(millis < Number.POSITIVE_INFINITY)) return noop
  let handle: ReturnType<typeof setTimeout> | undefined
  const arm = (remaining: number) => {
    handle = setTimeout(remaining > step ? () => arm(remaining - step) : fire, Math.min(remaining, step))
    if (typeof handle === "object" && typeof handle.unref === "function") handle.unref()
  }
  arm(Math.max(0, millis))
  return () => clearTimeout(handle)
}

const noop = () => {}
