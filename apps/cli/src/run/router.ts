import { setMaxListeners } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  type AttemptContext,
  defaultRetryOn,
  type LimiterCost,
  LimiterError,
  type Outcome,
  retryAfterOf,
} from '@boundkit/limiter'
import { colorEnabled, type OutputStream, paint } from '../terminal'
import type { DrainPolicy } from './endpoint-health'
import { EndpointLane, type EndpointStats, type LaneResult, type Refusal, type Route } from './endpoint-lane'
import {
  answerForUnsent,
  BudgetReachedError,
  type Executor,
  type ExecutorHooks,
  type ExecutorReading,
  InterruptedError,
  type OpenExecutor,
  type Pending,
  type RequestStats,
} from './executor'
import { RetryTally } from './retry-tally'
import { RouteChoice } from './route-choice'

export type { EndpointStats, Route }

/** How a routed run sends its records: its endpoints, which of them serve a record, one attempt. */
export interface RoutedRequests<A> {
  routes: readonly Route[]
  /** Whether endpoint number `route` may take the record (it serves its model). */
  serves(item: Pending, route: number): boolean
  /**
   * The record's model: an endpoint answering 403 or 404 is taken out for it (a 401: for every
   * model). Without it, every record is of one model.
   */
  model?: (item: Pending) => string | undefined
  /** Attempts a record may make, on any endpoints. */
  attempts: number
  /** Each record's cost for the endpoints' weighted windows, when they have some. */
  cost?: (item: Pending) => LimiterCost
  /** One attempt of a record's request on endpoint number `route`. */
  request(item: Pending, route: number, context: AttemptContext): Promise<A>
  /** What an answer used, for its endpoint's figures: tokens, and USD (undefined: no price). */
  spent?: (item: Pending, value: A) => { tokens: number; costUsd: number | undefined }
  /** When an endpoint is drained (tests make it short). */
  drain?: DrainPolicy
}

/** A record whose model no endpoint serves: it fails at once, with a line. */
export class NoEndpointError extends Error {
  override name = 'NoEndpointError'
  readonly code = 'ERR_NO_ENDPOINT'
}

/** A record asking for the endpoint of its next attempt. */
interface Ask {
  item: Pending
  avoid: number | undefined
  resolve: (route: number | undefined | 'stopped') => void
}

/** The backoff before a retry on the same endpoint: full jitter, 250 ms doubling to 30 s. */
const backoff = (attempt: number) => Math.random() * Math.min(30_000, 250 * 2 ** (attempt - 1))
/** The longest Retry-After waited for on the same endpoint (the limiter's `maxRetryAfter`). */
const MAX_RETRY_AFTER = 300_000
/** Records pulled and not finished, per slot of the endpoints' concurrency (`auto`: 64 slots). */
const WINDOW_PER_SLOT = 2
/** How often records waiting for an endpoint look again, when no start tells them to (ms). */
const RECHECK_MS = 50

/**
 * The records sent to several endpoints, each through its own limiter: each attempt goes to an
 * endpoint serving the record's model with the most room (a drained one only when no other serves
 * it); a failed attempt is retried on another endpoint at once when one can take it, else after a
 * backoff (and its Retry-After) on the same.
 */
class RoutedExecutor<A> implements Executor<A> {
  readonly #spec: RoutedRequests<A>
  readonly #lanes: EndpointLane[]
  readonly #choice: RouteChoice
  readonly #stop = new AbortController()
  /** Records waiting for an endpoint with room, in the order they asked. */
  #asking: Ask[] = []
  /** The next look at the endpoints while records wait for one. */
  #recheck: NodeJS.Timeout | undefined = undefined
  #requests = 0
  #retries = 0
  /** The failed attempts that were retried, by reason and code, for the live page. */
  readonly #retried = new RetryTally()
  readonly #stderr: OutputStream

  constructor(spec: RoutedRequests<A>, stderr: OutputStream) {
    this.#spec = spec
    this.#stderr = stderr
    this.#lanes = spec.routes.map((route) => new EndpointLane(route, spec.drain, () => this.#pump()))
    this.#choice = new RouteChoice(this.#lanes, {
      serves: spec.serves,
      model: (item) => this.#modelOf(item),
      cost: (item) => spec.cost?.(item),
    })
    // Every record waiting out a backoff listens to it: as many as the run's window, not a leak.
    setMaxListeners(0, this.#stop.signal)
  }

  async *outcomes(items: AsyncIterable<Pending>, hooks: ExecutorHooks): AsyncIterable<Outcome<A>> {
    const slots = this.#spec.routes.reduce((n, r) => {
      const c = r.limiter.concurrency
      return n + (typeof c === 'number' ? Math.min(c, 1000) : 64)
    }, 0)
    const window = WINDOW_PER_SLOT * slots
    const finished: Outcome<A>[] = []
    let wake: (() => void) | undefined
    let open = 0
    let exhausted = false
    const iterator = items[Symbol.asyncIterator]()
    try {
      for (;;) {
        while (!exhausted && !this.#stop.signal.aborted && open < window) {
          const next = await iterator.next()
          if (next.done === true) exhausted = true
          else {
            open++
            const item = next.value
            void this.#send(item, hooks)
              // A throw anywhere in a record's attempts ends that record with it, never the run.
              .catch((error: unknown): Outcome<A> => ({ index: item.pos, status: 'rejected', error }))
              .then((outcome) => {
                open--
                finished.push(outcome)
                wake?.()
              })
          }
        }
        if (finished.length > 0) yield* finished.splice(0)
        else if (open === 0 && (exhausted || this.#stop.signal.aborted)) return
        else await new Promise<void>((resolve) => (wake = resolve))
      }
    } finally {
      if (!exhausted) await iterator.return?.()
    }
  }

  /** The key a record's refusals are kept by: its model ('' without one). */
  #modelOf(item: Pending): string {
    return this.#spec.model?.(item) ?? ''
  }

  /** Says once, on stderr, that an endpoint was taken out: its name and the status, never its key. */
  #sayRefused(route: number, refusal: Refusal): void {
    const name = this.#lanes[route]!.route.name
    const why =
      refusal.status === 401
        ? 'its key is not accepted'
        : refusal.status === 403
          ? 'its key has no access to the model'
          : 'the model (deployment) or its base URL is not found'
    const of = refusal.model === null ? 'every model' : `model ${JSON.stringify(refusal.model)}`
    const style = paint(colorEnabled(this.#stderr))
    this.#stderr.write(
      `${style.yellow('warning')}: endpoint ${name} answered ${refusal.status} (${why}): taken out for ${of} for the rest of the run\n`,
    )
  }

  /** A record's attempts until an answer, a failure not retried, or its last attempt. */
  async #send(item: Pending, hooks: ExecutorHooks): Promise<Outcome<A>> {
    const index = item.pos
    const interrupted = () => new InterruptedError('Not started: the batch was interrupted')
    // The attempts that count against `attempts` (the failures retried), and the refused ones.
    let attempts = 0
    let refused = 0
    let lastRefusal: Refusal | undefined
    let last: number | undefined
    for (;;) {
      const route = await this.#turn(item, last)
      if (route === 'stopped')
        return { index, status: 'rejected', error: interrupted(), attempts: attempts + refused }
      if (route === undefined) {
        // Every endpoint serving its model refused it (401, 403, 404): the API's answer, its own last one.
        const refusal = lastRefusal ?? this.#choice.refusal(item)
        const error =
          refusal === undefined || typeof refusal.error !== 'object' || refusal.error === null
            ? new NoEndpointError('No endpoint serves the model of this request (see --endpoints)')
            : answerForUnsent(refusal.error)
        return { index, status: 'rejected', error, attempts: attempts + refused }
      }
      const result = await this.#attempt(item, route, hooks)
      this.#pump()
      if ('moved' in result) continue
      if ('refused' in result) {
        // Not the request's fault: another endpoint serving its model takes it, not counted.
        if (result.first) this.#sayRefused(route, result.refused)
        refused++
        lastRefusal = { ...result.refused, error: result.error }
        continue
      }
      if ('value' in result)
        return { index, status: 'fulfilled', value: result.value, attempts: attempts + refused + 1 }
      if (!result.sent)
        return { index, status: 'rejected', error: result.error, attempts: attempts + refused }
      attempts++
      last = route
      const error = result.error
      if (!defaultRetryOn(error)) return { index, status: 'rejected', error, attempts: attempts + refused }
      if (attempts >= this.#spec.attempts) {
        const exhausted = new LimiterError('ERR_RETRIES_EXHAUSTED', `Gave up after ${attempts} attempts`, {
          cause: error,
          attempts,
        })
        return { index, status: 'rejected', error: exhausted, attempts: attempts + refused }
      }
      this.#retries++
      this.#retried.add(error)
      // Another endpoint as ready as this one: at once; else this one's backoff and Retry-After.
      if (this.#choice.hasOther(item, route)) continue
      const retryAfter = Math.min(retryAfterOf(error, Date.now()) ?? 0, MAX_RETRY_AFTER)
      const signal = this.#stop.signal
      await sleep(Math.max(backoff(attempts), retryAfter), undefined, { signal }).catch(() => {})
    }
  }

  /** The endpoint of a record's next attempt, once one has room for it to wait (undefined: none serves it). */
  #turn(item: Pending, avoid: number | undefined): Promise<number | undefined | 'stopped'> {
    if (this.#stop.signal.aborted) return Promise.resolve('stopped')
    return new Promise((resolve) => {
      this.#asking.push({ item, avoid, resolve })
      this.#pump()
    })
  }

  /** Gives the records asking for an endpoint, in order, to endpoints with room for them to wait. */
  #pump(): void {
    if (this.#asking.length === 0) return
    if (this.#stop.signal.aborted) {
      for (const ask of this.#asking.splice(0)) ask.resolve('stopped')
      return
    }
    const snapshot = this.#choice.snapshot(Date.now())
    let kept = 0
    for (const ask of this.#asking) {
      const route = this.#choice.choose(snapshot, ask.item, ask.avoid)
      if (route === 'wait') this.#asking[kept++] = ask
      else {
        if (route !== undefined) this.#lanes[route]!.reserve()
        ask.resolve(route)
      }
    }
    this.#asking.length = kept
    // Records kept for an endpoint with room: another's window may open before that one starts any.
    if (kept > 0 && this.#recheck === undefined) {
      this.#recheck = setTimeout(() => {
        this.#recheck = undefined
        this.#pump()
      }, RECHECK_MS)
      this.#recheck.unref()
    }
  }

  async #attempt(item: Pending, route: number, hooks: ExecutorHooks): Promise<LaneResult<A>> {
    const lane = this.#lanes[route]!
    const result = await lane.attempt(
      this.#modelOf(item),
      this.#spec.cost?.(item),
      () => {
        if (this.#stop.signal.aborted) throw new InterruptedError('Not started: the batch was interrupted')
        if (!hooks.started(item))
          throw new BudgetReachedError('Not started: its worst case would pass --max-cost')
        this.#requests++
      },
      (context) => this.#spec.request(item, route, context),
    )
    if ('value' in result && this.#spec.spent) {
      const { tokens, costUsd } = this.#spec.spent(item, result.value)
      lane.spent(tokens, costUsd)
    }
    return result
  }

  stop(): string {
    // Ctrl-C and --max-cost alike: the requests in flight finish, nothing else starts.
    this.#stop.abort()
    this.#pump()
    for (const lane of this.#lanes) {
      lane.limiter.clear()
      lane.limiter.close().catch(() => {})
    }
    return 'no new requests or retries; waiting for the ones in flight'
  }

  requests(): number {
    return this.#requests
  }

  endpoints(): EndpointStats[] {
    return this.#lanes.map((lane) => lane.stats())
  }

  live(): ExecutorReading {
    const all = this.#lanes.map((lane) => lane.limiter.stats())
    const sum = (pick: (s: (typeof all)[number]) => number) => all.reduce((n, s) => n + pick(s), 0)
    return {
      inFlight: sum((s) => s.running),
      queued: sum((s) => s.queued),
      rateLimited: sum((s) => s.rateLimited),
      cooldowns: sum((s) => s.cooldowns),
      cooldownMs: sum((s) => s.cooldownMs),
      ...this.#retried.reading(),
      endpoints: this.endpoints(),
    }
  }

  async close(): Promise<RequestStats> {
    const endpoints = this.endpoints()
    const all = this.#lanes.map((lane) => lane.limiter.stats())
    await Promise.all(this.#lanes.map((lane) => lane.limiter.close().catch(() => {})))
    const sum = (pick: (s: (typeof all)[number]) => number) => all.reduce((n, s) => n + pick(s), 0)
    return {
      requests: this.#requests,
      retries: this.#retries,
      rateLimited: sum((s) => s.rateLimited),
      cooldowns: sum((s) => s.cooldowns),
      cooldownMs: Math.round(sum((s) => s.cooldownMs)),
      concurrency: sum((s) => s.concurrency),
      endpoints,
    }
  }
}

/** A run whose records this process sends to several endpoints, each through its own limiter. */
export function routed<A>(spec: RoutedRequests<A>): OpenExecutor<A> {
  return async (_out, stderr) => new RoutedExecutor(spec, stderr)
}
