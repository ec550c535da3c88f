/** An error as an HTTP client throws it: `HTTP <status>` with the status (and any extra fields). */
export const http = (status: number, extra: object = {}) =>
  Object.assign(new Error(`HTTP ${status}`), { status }, extra)
