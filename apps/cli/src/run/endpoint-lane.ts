import {
  type AttemptContext,
  createLimiter,
  type Limiter,
  type LimiterCost,
  type LimiterOptions,
  type LimiterStats,
} from '@boundkit/limiter'
import type { EndpointReading } from '@boundkit/server/dashboard'
import { errorRecord, failureReason } from '../http'
import { type AttemptVerdict, type DrainPolicy, EndpointHealth } from './endpoint-health'

/** One endpoint of a routed run: its name, its limiter's options, its weight. */
export interface Route {
  name: string
  /** Its own limits; `retry` is not used: the router retries, on any endpoint. */
  limiter: LimiterOptions
  /** How much more it is chosen when the rooms are the same. @default 1 */
  weight: number
}

/** An endpoint's figures in the summary, `--json` and the live page (the page's own reading of one). */
export type EndpointStats = EndpointReading

/** Why a queued attempt was taken back: its endpoint was drained. */
const MOVED = Symbol('moved to another endpoint')

/** The result of one attempt on a lane: an answer, a failure (sent or not), or moved elsewhere unsent. */
export type LaneResult<A> = { value: A } | { error: unknown; sent: boolean } | { moved: true }

/** The verdict of a failed attempt on its endpoint's health. */
function verdictOf(error: unknown): AttemptVerdict | undefined {
  const reason = failureReason(errorRecord(error))
  if (reason === '429') return 'rateLimited'
  return reason === 'other' ? undefined : 'fault'
}

/**
 * One endpoint: its own limiter (windows, learned headers, cooldowns), its health (drains and
 * probes), the attempts queued on it and not started (taken back when it is drained), its figures.
 */
export class EndpointLane {
  readonly route: Route
  readonly limiter: Limiter
  readonly health: EndpointHealth
  requests = 0
  tokens = 0
  costUsd = 0
  priced = 0
  /** Attempts queued in its limiter and not started: their signal takes them back. */
  readonly #waiting = new Set<AbortController>()
  /** The token cost of those attempts. */
  #waitingTokens = 0
  /** Attempts given to it and not yet queued in its limiter. */
  #reserved = 0
  /** Called when one of its attempts starts: one more may wait for it. */
  readonly #onStart: () => void

  constructor(route: Route, drain: DrainPolicy | undefined, onStart: () => void) {
    this.route = route
    this.limiter = createLimiter({ ...route.limiter, retry: false })
    this.health = new EndpointHealth(drain)
    this.#onStart = onStart
  }

  /** Attempts given to it that have not started. */
  get waiting(): number {
    return this.#waiting.size + this.#reserved
  }

  /** An attempt is given to it: `attempt()` follows. */
  reserve(): void {
    this.#reserved++
  }

  /**
   * How much room it has for one more request, as a share of its limits: for each rate window, what
   * it has left less what waits for it, over its limit (the smallest); without one, its free slots.
   * Below 0: more waits than it has left.
   */
  room(stats: LimiterStats = this.limiter.stats()): number {
    if (stats.windows.length === 0) {
      if (stats.concurrency === Number.POSITIVE_INFINITY) return 1
      return 1 - (stats.running + stats.queued) / stats.concurrency
    }
    let room = Number.POSITIVE_INFINITY
    for (const window of stats.windows) {
      const left = Math.min(window.limit - window.used, window.serverRemaining ?? Number.POSITIVE_INFINITY)
      const waiting = window.cost === undefined ? stats.queued : this.#waitingTokens
      room = Math.min(room, (left - waiting) / window.limit)
    }
    return room
  }

  /**
   * One attempt through its limiter: `start` runs when the limiter starts it (false: it may not
   * start, `refused` is thrown); `send` makes the request. A drain takes back the attempts not started.
   */
  async attempt<A>(
    cost: LimiterCost | undefined,
    start: () => void,
    send: (context: AttemptContext) => Promise<A>,
  ): Promise<LaneResult<A>> {
    const waiting = new AbortController()
    const tokens = cost?.tokens ?? 0
    const started = () => {
      if (!this.#waiting.delete(waiting)) return
      this.#waitingTokens -= tokens
      this.#onStart()
    }
    this.#reserved = Math.max(0, this.#reserved - 1)
    this.#waiting.add(waiting)
    this.#waitingTokens += tokens
    let sent = false
    let startedAt = 0
    try {
      const value = await this.limiter.run(
        (context) => {
          started()
          start()
          startedAt = Date.now()
          sent = true
          this.requests++
          this.health.started(Date.now())
          return send(context)
        },
        { signal: waiting.signal, ...(cost === undefined ? {} : { cost }) },
      )
      this.health.ended('answered', Date.now())
      return { value }
    } catch (error) {
      started()
      if (!sent) {
        this.health.notStarted()
        if (waiting.signal.reason === MOVED) return { moved: true }
        return { error, sent }
      }
      const verdict = verdictOf(error)
      if (verdict !== undefined && this.health.ended(verdict, Date.now(), startedAt)) this.#moveWaiting()
      return { error, sent }
    }
  }

  /** Drained: the attempts queued here and not started go elsewhere. */
  #moveWaiting(): void {
    for (const waiting of this.#waiting) waiting.abort(MOVED)
  }

  /** An answer's tokens and cost (undefined: no price). */
  spent(tokens: number, costUsd: number | undefined): void {
    this.tokens += tokens
    if (costUsd === undefined) return
    this.costUsd += costUsd
    this.priced++
  }

  stats(): EndpointStats {
    const stats = this.limiter.stats()
    return {
      name: this.route.name,
      requests: this.requests,
      tokens: this.tokens,
      rateLimited: stats.rateLimited,
      costUsd: this.priced === 0 ? null : Math.round(this.costUsd * 1e6) / 1e6,
      drains: this.health.drains,
      drained: this.health.drained(Date.now()),
    }
  }
}
