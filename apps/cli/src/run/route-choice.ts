import type { LimiterCost } from '@boundkit/limiter'
import type { EndpointLane, Refusal } from './endpoint-lane'
import type { Pending } from './executor'

/** What the choice reads of a record: which endpoints serve it, its model, its cost for the windows. */
export interface RecordRoutes {
  /** Whether endpoint number `route` serves the record's model. */
  serves(item: Pending, route: number): boolean
  /** The record's model, as its endpoints' refusals (403, 404) are kept. */
  model(item: Pending): string
  /** Its cost for the weighted windows (`tpm`), undefined without one. */
  cost(item: Pending): LimiterCost | undefined
}

/**
 * Attempts that may wait in an endpoint's limiter, not started: the others wait for an endpoint to
 * start one, so each endpoint takes records as fast as it starts them, and a drained one has few to
 * give back.
 */
export const WAITING_PER_ENDPOINT = 16

/** An endpoint as one round of choices sees it. */
interface LaneView {
  /** 0: takes requests; 1: its limiter waits out a Retry-After; 2: drained. */
  rank: number
  /** Its room times its weight; for a drained one, how soon its drain ends (the sooner, the higher). */
  score: number
  /** Attempts that may still be given to it this round. */
  space: number
  /** Whether a record's cost fits its weighted windows (it can ever start there). */
  holds: (cost: LimiterCost | undefined) => boolean
}

/**
 * Which endpoint a record's next attempt goes to: among those serving it and not taken out for its
 * model (a 401, 403 or 404), those whose windows can hold its cost (when one can), the ones taking
 * requests (else those waiting out a Retry-After, else the drained ones), the one with the most room.
 */
export class RouteChoice {
  readonly #lanes: readonly EndpointLane[]
  readonly #record: RecordRoutes

  constructor(lanes: readonly EndpointLane[], record: RecordRoutes) {
    this.#lanes = lanes
    this.#record = record
  }

  /**
   * The endpoints that may take `item`: those serving its model and not taken out for it; of those,
   * the ones whose windows can hold its cost, unless none can (the limiter then fails it with
   * `ERR_COST_TOO_HIGH`).
   */
  #candidates(views: LaneView[], item: Pending) {
    const model = this.#record.model(item)
    const serving = views.flatMap((view, route) =>
      this.#record.serves(item, route) && this.#lanes[route]!.refusal(model) === undefined
        ? [{ view, route }]
        : [],
    )
    const cost = this.#record.cost(item)
    const holding = serving.filter(({ view }) => view.holds(cost))
    return holding.length > 0 ? holding : serving
  }

  /**
   * What took every endpoint serving `item`'s model out for it (the first one's refusal), undefined
   * when one is left or none served it.
   */
  refusal(item: Pending): Refusal | undefined {
    const model = this.#record.model(item)
    let first: Refusal | undefined
    for (const [route, lane] of this.#lanes.entries()) {
      if (!this.#record.serves(item, route)) continue
      const refusal = lane.refusal(model)
      if (refusal === undefined) return undefined
      first ??= refusal
    }
    return first
  }

  /** Every endpoint's rank, room and space now, for one round of choices. */
  snapshot(now: number): LaneView[] {
    return this.#lanes.map((lane) => {
      const stats = lane.limiter.stats()
      const drained = lane.health.drained(now)
      return {
        rank: drained ? 2 : stats.coolingDown ? 1 : 0,
        score: drained ? -lane.health.until : lane.room(stats) * lane.route.weight,
        // An endpoint back from a drain takes one request, its probe, until that one is answered.
        space: (lane.health.until > 0 ? 1 : WAITING_PER_ENDPOINT) - lane.waiting,
        holds: (cost: LimiterCost | undefined) => lane.holds(cost, stats),
      }
    })
  }

  /**
   * The endpoint for `item` (`avoid`: where it just failed, chosen only when no other of its rank
   * serves it; of those, one with room now if any has), `'wait'` when those have no space now,
   * undefined when none serves it (or every one serving it was taken out for its model).
   */
  choose(views: LaneView[], item: Pending, avoid: number | undefined): number | 'wait' | undefined {
    const serving = this.#candidates(views, item)
    if (serving.length === 0) return undefined
    const rank = Math.min(...serving.map(({ view }) => view.rank))
    let tier = serving.filter(({ view }) => view.rank === rank)
    if (tier.length > 1) tier = tier.filter(({ route }) => route !== avoid)
    // While one of them has room now, one without takes nothing: what waits there waits for its next
    // window, when the one with room starts it as soon as it has space.
    const roomy = tier.filter(({ view }) => view.rank < 2 && view.score > 0)
    if (roomy.length > 0) tier = roomy
    let best: { view: LaneView; route: number } | undefined
    for (const entry of tier) {
      if (entry.view.space > 0 && (best === undefined || entry.view.score > best.view.score)) best = entry
    }
    if (best === undefined) return 'wait'
    best.view.space--
    return best.route
  }

  /**
   * Whether another endpoint than `route` that takes requests now (not drained, not cooling down)
   * may take `item`: only then does a failed attempt go there at once; else it waits its backoff and
   * `Retry-After` (endpoints all down must not use up a record's attempts in a few round trips).
   */
  hasOther(item: Pending, route: number): boolean {
    const views = this.snapshot(Date.now())
    const candidates = this.#candidates(views, item)
    return candidates.some(({ view, route: other }) => other !== route && view.rank === 0)
  }
}
