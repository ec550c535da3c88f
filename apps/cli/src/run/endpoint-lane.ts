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

/**
 * The answers that say the endpoint cannot serve, not that the request is bad: a key refused (401:
 * the whole endpoint), a key without access to the model or a model (deployment) it does not have
 * (403, 404: that model). Such an endpoint is taken out for the rest of the run.
 */
const REFUSALS = new Set([401, 403, 404])

/** What took an endpoint out for the rest of the run: the status, the model (null: every model), the answer. */
export interface Refusal {
  status: number
  model: string | null
  error: unknown
}

/**
 * The result of one attempt on a lane: an answer, a failure (sent or not), a refusal (sent: the
 * endpoint cannot serve the model; `first`: this answer took it out), or moved elsewhere unsent.
 */
export type LaneResult<A> =
  | { value: A }
  | { error: unknown; sent: boolean }
  | { refused: Refusal; first: boolean; error: unknown }
  | { moved: true }

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
  /** Its 401, 403 and 404 answers (count). */
  refused = 0
  /** A 401 took it out for every model. */
  #refusedAll: Refusal | undefined
  /** A 403 or 404 took it out for these models. */
  readonly #refusedModels = new Map<string, Refusal>()
  /** Attempts queued in its limiter and not started, with their model: their signal takes them back. */
  readonly #waiting = new Map<AbortController, string>()
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

  /** What took it out for `model` for the rest of the run (a 401: every model), undefined: it serves it. */
  refusal(model: string): Refusal | undefined {
    return this.#refusedAll ?? this.#refusedModels.get(model)
  }

  /**
   * Whether a request of `cost` can ever start here: no weighted window (`tpm`) is smaller than it
   * (the limiter would fail it with `ERR_COST_TOO_HIGH`).
   */
  holds(cost: LimiterCost | undefined, stats: LimiterStats = this.limiter.stats()): boolean {
    if (cost === undefined) return true
    return stats.windows.every(
      (window) => window.cost === undefined || !((cost[window.cost] ?? 0) > window.limit),
    )
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
   * One attempt of a request for `model` through its limiter: `start` runs when the limiter starts
   * it (it throws when it may not start); `send` makes the request. A drain takes back the attempts
   * not started; a refusal (401, 403, 404) those of the models it was taken out for.
   */
  async attempt<A>(
    model: string,
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
    this.#waiting.set(waiting, model)
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
      const status = errorRecord(error).status
      if (status !== undefined && REFUSALS.has(status)) {
        // Not a fault of its health (a probe that was refused lets the next one go).
        this.health.notStarted()
        return this.#refuse(status, model, error)
      }
      const verdict = verdictOf(error)
      if (verdict !== undefined && this.health.ended(verdict, Date.now(), startedAt)) this.#moveWaiting()
      return { error, sent }
    }
  }

  /** A 401, 403 or 404: taken out (for `model`, or every model for a 401), once; its waiting attempts go elsewhere. */
  #refuse(status: number, model: string, error: unknown) {
    this.refused++
    const known = this.refusal(model)
    if (known !== undefined) return { refused: known, first: false, error }
    const refusal: Refusal = { status, model: status === 401 ? null : model, error }
    if (refusal.model === null) this.#refusedAll = refusal
    else this.#refusedModels.set(model, refusal)
    this.#moveWaiting(refusal.model ?? undefined)
    return { refused: refusal, first: true, error }
  }

  /** Drained (or taken out for `model`): the attempts queued here (for it) and not started go elsewhere. */
  #moveWaiting(model?: string): void {
    for (const [waiting, of] of this.#waiting) if (model === undefined || of === model) waiting.abort(MOVED)
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
      refused: this.refused,
      takenOut: [
        ...(this.#refusedAll === undefined ? [] : [this.#refusedAll]),
        ...this.#refusedModels.values(),
      ].map(({ status, model }) => ({ status, model })),
    }
  }
}
