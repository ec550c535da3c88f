import { type Charge, UNTRACKED } from './charge'
import type { Clock } from './clock'
import { userCall } from './errors'
import type { ResolvedLimiterOptions } from './options'
import type { LimiterStats } from './stats'
import { Windows } from './windows'

/** What the gate tells its owner. */
export interface GateHooks {
  /** Starts must stop (the gate closed or `pause()`). */
  closed(): void
  /** Starts may go on; `cooled` when a cooldown just ended. */
  opened(cooled: boolean): void
}

/** The gate's part of `stats()`. */
export type GateStats = Pick<
  LimiterStats,
  'paused' | 'coolingDown' | 'cooldownUntil' | 'cooldowns' | 'cooldownMs' | 'windows'
>

/**
 * Decides when the next attempt may start: `pause()`, the rate windows (sliding logs of the last
 * starts or costs, following the server's headers) and the Retry-After cooldown. When they forbid
 * a start, the gate closes and one timer reopens it at the earliest time they all allow.
 */
export class Gate {
  readonly #clock: Clock
  readonly #random: () => number
  readonly #cooldown: ResolvedLimiterOptions['cooldown']
  readonly windows: Windows
  readonly #hooks: GateHooks
  /** There are rate windows, or attempts are tracked: `admit` counts and charges. */
  readonly #counting: boolean
  /** The cost of the start last refused: the gate reopens when it fits. */
  #pending: readonly number[] | undefined = undefined
  #closed = false
  #paused = false
  #stopped = false
  /** Cooldown: no starts before this time (clock ms), jitter included; 0 when none. */
  #resumeAt = 0
  /** Cooldown: the end the server asked for, without jitter. */
  #cooldownEnd = 0
  #timer: unknown = undefined
  #timerAt = 0
  #cooldowns = 0
  #rechecking = false
  #cooldownStart = 0
  /** Time spent in cooldowns that ended (ms). */
  #cooledMs = 0

  constructor(
    options: Pick<
      ResolvedLimiterOptions,
      'clock' | 'random' | 'cooldown' | 'windows' | 'headers' | 'adaptive' | 'retry'
    >,
    hooks: GateHooks,
  ) {
    this.#clock = options.clock
    this.#random = options.random
    this.#cooldown = options.cooldown
    const track = options.adaptive !== undefined
    const windows = { windows: options.windows, headers: options.headers, track }
    this.windows = new Windows({ ...windows, maxReset: options.retry.maxRetryAfter }, options.clock.now, () =>
      this.#recheck(),
    )
    this.#counting = this.windows.tracked || this.windows.all.length > 0
    this.#hooks = hooks
  }

  /** Starts may go on, as far as the gate knows without reading the clock. */
  get open(): boolean {
    return !this.#closed && !this.#paused
  }

  get paused(): boolean {
    return this.#paused
  }

  get coolingDown(): boolean {
    return this.#resumeAt !== 0
  }

  /** When starts resume after the cooldown (clock ms), 0 when none. */
  get cooldownUntil(): number {
    return this.#resumeAt
  }

  /** `admit` needs the current time (a rate window, a cooldown, or attempts timed for adaptive concurrency). */
  get timed(): boolean {
    return this.#counting || this.#resumeAt !== 0
  }

  /**
   * Admits one start of `cost` (aligned with the weighted windows) at `now` and counts it in the
   * rate windows; when it may not start now, closes (until the earliest time it may) and returns
   * undefined.
   */
  admit(now: number, cost: readonly number[] | undefined): Charge | undefined {
    if (!this.#counting) {
      // No window, no tracking (the common case): only pause and the cooldown can hold a start.
      if (!this.#paused && this.#resumeAt <= now) return UNTRACKED
      this.#close(now)
      return undefined
    }
    this.#pending = cost
    if (this.#paused || this.#blockedUntil(now) > now) {
      this.#close(now)
      return undefined
    }
    this.#pending = undefined
    const charge = this.windows.charge(now, cost)
    // A window of starts may be full now: close before the next start is tried. Weighted windows
    // need no check: the next start's cost is not known yet (0 until it is tried), and a cost of 0
    // fits wherever this start's did.
    if (this.windows.countsStarts && this.#blockedUntil(now) > now) this.#close(now)
    return charge
  }

  /**
   * A failure carried a Retry-After of `retryAfter` ms: hold every start until then (at most
   * `cooldown.maxDelay`, plus jitter). A cooldown only ever extends. Returns the cooldown event,
   * or undefined when nothing changed.
   */
  coolDown(retryAfter: number, now: number): { until: number; delay: number } | undefined {
    const cooldown = this.#cooldown
    if (!cooldown) return undefined
    const wait = Math.min(retryAfter, cooldown.maxDelay)
    const end = now + wait
    if (!(wait > 0) || end <= this.#cooldownEnd) return undefined
    const spread =
      cooldown.jitter === 0 || wait === Number.POSITIVE_INFINITY ? 0 : userCall('`random`', this.#random)
    if (this.#resumeAt === 0) {
      this.#cooldowns++
      this.#cooldownStart = now
    }
    this.#cooldownEnd = end
    this.#resumeAt = end + spread * cooldown.jitter * wait
    this.#close(now)
    return { until: this.#resumeAt, delay: this.#resumeAt - now }
  }

  pause(): void {
    this.#paused = true
    this.#hooks.closed()
    this.#clearTimer()
  }

  resume(): void {
    if (!this.#paused) return
    this.#paused = false
    this.#tryOpen()
  }

  /**
   * Work arrived: a gate that closed while the owner was idle (its timer dropped by `sleep`)
   * checks again. Returns true when it did (and so reopened, or re-armed its timer).
   */
  wake(): boolean {
    if (!this.#closed || this.#timer !== undefined || this.#paused) return false
    this.#tryOpen()
    return true
  }

  /** Nothing to start: drop the timer, so that a long cooldown does not keep the process alive. */
  sleep(): void {
    this.#clearTimer()
  }

  /** Closed for good (the limiter was aborted). */
  stop(): void {
    this.#stopped = true
    this.#clearTimer()
  }

  /** The earliest time every rate window and the cooldown allow the pending start. */
  #blockedUntil(now: number): number {
    const at = this.#resumeAt > now ? this.#resumeAt : 0
    if (this.windows.all.length === 0) return at
    return Math.max(at, this.windows.freeAt(this.#pending, now))
  }

  /** Budget came back (a refund, new server headers): a closed gate checks again now. */
  #recheck(): void {
    if (this.#rechecking || !this.#closed || this.#timer === undefined) return
    this.#rechecking = true
    queueMicrotask(() => {
      this.#rechecking = false
      if (!this.#closed || this.#timer === undefined || this.#paused) return
      this.#clearTimer()
      this.#tryOpen()
    })
  }

  stats(now: number): GateStats {
    const cooling =
      this.#resumeAt === 0 ? 0 : Math.max(0, Math.min(now, this.#resumeAt) - this.#cooldownStart)
    return {
      paused: this.#paused,
      coolingDown: this.#resumeAt !== 0,
      cooldownUntil: this.#resumeAt,
      cooldowns: this.#cooldowns,
      cooldownMs: this.#cooledMs + cooling,
      windows: this.windows.stats(now),
    }
  }

  #close(now: number): void {
    if (!this.#closed) {
      this.#closed = true
      this.#hooks.closed()
    }
    if (this.#paused) return
    const at = this.#blockedUntil(now)
    this.#schedule(at > now ? at : now + 1, now)
  }

  #schedule(at: number, now: number): void {
    if (this.#timer !== undefined) {
      if (this.#timerAt === at) return
      this.#clock.clearTimeout(this.#timer)
    }
    this.#timerAt = at
    this.#timer = this.#clock.setTimeout(
      () => {
        this.#timer = undefined
        this.#tryOpen()
      },
      Math.max(1, at - now),
    )
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #tryOpen(): void {
    if (this.#paused || this.#stopped) return
    const now = this.#clock.now()
    const at = this.#blockedUntil(now)
    if (at > now) {
      this.#schedule(at, now)
      return
    }
    const cooled = this.#resumeAt !== 0
    if (cooled) this.#cooledMs += Math.max(0, Math.min(now, this.#resumeAt) - this.#cooldownStart)
    this.#resumeAt = 0
    this.#cooldownEnd = 0
    this.#closed = false
    this.#hooks.opened(cooled)
  }
}
