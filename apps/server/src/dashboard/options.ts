import { numberOption, optionsObject } from '@boundkit/internal'
import { invalidOption } from '../errors'

/** Options of the live page (`createDashboardHandler`, `startDashboard`). */
export interface DashboardOptions {
  /**
   * Bytes of events a page may leave unread before it is dropped: what this process holds for it,
   * past what its socket took (the history a page is sent on connecting counts apart). A dropped page
   * reconnects with `Last-Event-ID` and gets what it missed. About a minute of the server page's
   * samples (1 KB a second). 1024 to 2^30.
   * @default 65536 (64 KiB)
   */
  maxUnsentBytes?: number
}

export interface ResolvedDashboardOptions {
  maxUnsentBytes: number
}

/** Fills in defaults and checks every option; a bad one throws `ServerError` `ERR_INVALID_OPTION`. */
export function resolveDashboardOptions(options?: DashboardOptions): ResolvedDashboardOptions {
  const given = optionsObject(invalidOption, options)
  return {
    maxUnsentBytes: numberOption(
      invalidOption,
      'maxUnsentBytes',
      given.maxUnsentBytes,
      { integer: true, min: 1024, max: 2 ** 30 },
      64 * 1024,
    ),
  }
}
