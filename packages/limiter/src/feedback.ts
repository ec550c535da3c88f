import { AdaptiveController } from './adaptive'
import type { Charge } from './charge'
import { userCall } from './errors'
import type { ConcurrencyEvent } from './events'
import { headersOf, isResponseLike, statusOf } from './http-failure'
import type { ResolvedLimiterOptions } from './options'
import type { Windows } from './windows'

type Bag = Record<string, unknown>

/**
 * What the limiter learns from each finished attempt: 429s are counted, the answer's rate-limit
 * headers go to the windows (unless `report` gave them), and adaptive concurrency gets a sample.
 */
export class Feedback {
  /** 429 answers seen. */
  rateLimited = 0
  /** Successes teach something (headers to read, or adaptive concurrency): the core calls `succeeded`. */
  readonly watchesSuccess: boolean
  readonly #windows: Windows
  readonly #now: () => number
  #adaptive: AdaptiveController | undefined

  /** `adapted` gets each change of adaptive concurrency's limit. */
  constructor(
    windows: Windows,
    options: Pick<ResolvedLimiterOptions, 'adaptive' | 'clock'>,
    adapted: (event: ConcurrencyEvent) => void,
  ) {
    this.#windows = windows
    this.#adaptive = options.adaptive && new AdaptiveController(options.adaptive, adapted)
    this.#now = options.clock.now
    this.watchesSuccess = windows.reads || this.#adaptive !== undefined
  }

  get adaptive(): AdaptiveController | undefined {
    return this.#adaptive
  }

  /** `limiter.concurrency = n`: the concurrency is fixed from now on. */
  fix(): void {
    this.#adaptive = undefined
  }

  /** A successful attempt, `inflight` attempts (itself included) running when it ended. */
  succeeded(charge: Charge, value: unknown, inflight: number): void {
    if (this.#windows.reads) {
      this.#windows.ended(charge)
      if (!charge.headersRead && isResponseLike(value)) this.#readSafely(charge, value.headers)
    }
    if (this.#adaptive) this.#adaptive.succeeded(charge.start, this.#now(), inflight)
  }

  /** A successful value's headers; one that cannot be read teaches nothing (it is still the value). */
  #readSafely(charge: Charge, headers: unknown): void {
    try {
      this.#windows.read(charge, headers, this.#now())
    } catch {
      // Ignored: never thrown from a success.
    }
  }

  /** A failed attempt (thrown, or a non-ok Response returned); a throwing getter throws ERR_CALLBACK_FAILED. */
  failed(charge: Charge, failure: unknown, now: number): void {
    const status = statusOf(failure)
    if (status === 429) {
      this.rateLimited++
      for (const entry of charge.entries ?? []) entry.refused = true
    }
    if (this.#windows.reads) this.#windows.ended(charge)
    if (this.#windows.reads && !charge.headersRead) {
      userCall("Reading the failure's headers", () => this.#windows.read(charge, headersOf(failure), now))
    }
    const adaptive = this.#adaptive
    if (adaptive === undefined) return
    // A rate limit the windows pace (and the cooldown waits out) is no sign of overload.
    if (status === 429) {
      if (!this.#windows.paces) adaptive.dropped(charge.start, now, 'rate-limited')
    } else if (status === 503) adaptive.dropped(charge.start, now, 'decrease')
    else if ((failure as Bag | null)?.code === 'ERR_TIMEOUT') adaptive.dropped(charge.start, now, 'timeout')
  }
}
